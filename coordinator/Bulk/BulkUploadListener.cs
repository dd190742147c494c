using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace Federated.Coordinator.Bulk;

/// <summary>
/// The bulk upload port (<see cref="BulkUploadOptions"/>): binds when the host starts, so <see cref="Port"/> is known
/// before the first <c>BeginBulkUpload</c>, accepts connections until it stops, and hands each to the
/// <see cref="BulkUploadReceiver"/>; beyond <see cref="BulkUploadOptions.MaxConnections"/> open ones a new connection
/// is closed at once. Does nothing when bulk uploads are off.
/// </summary>
public sealed class BulkUploadListener : BackgroundService
{
    private const int Backlog = 512;

    private readonly BulkUploadOptions _options;
    private readonly BulkUploadReceiver _receiver;
    private readonly ILogger<BulkUploadListener> _logger;
    private readonly Rounds.CoordinatorMetrics _metrics;
    private Socket? _socket;
    private int _open;

    /// <summary>Creates the listener.</summary>
    public BulkUploadListener(IOptions<BulkUploadOptions> options, BulkUploadReceiver receiver, Rounds.CoordinatorMetrics metrics, ILogger<BulkUploadListener> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _receiver = receiver;
        _logger = logger;
        _metrics = metrics;
    }

    /// <summary>The bound port once listening (the configured one, or the one the system chose for 0); null when off or stopped.</summary>
    public int? Port { get; private set; }

    /// <summary>Whether connections use TLS.</summary>
    public bool Tls => _options.Tls;

    /// <summary>Connections being served now.</summary>
    public int OpenConnections => Volatile.Read(ref _open);

    /// <inheritdoc />
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        if (_options.Enabled)
        {
            // Bound here rather than in the accept loop, so that the port is known when the host has started.
            var address = IPAddress.Parse(_options.Address);
            _socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            _socket.Bind(new IPEndPoint(address, _options.Port));
            _socket.Listen(Backlog);
            Port = ((IPEndPoint)_socket.LocalEndPoint!).Port;
            BulkUploadLog.Listening(_logger, address, Port.Value, _options.Tls ? "TLS" : "plaintext");
        }

        return base.StartAsync(cancellationToken);
    }

    /// <inheritdoc />
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        Port = null;
        _socket?.Dispose();
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        _socket?.Dispose();
        base.Dispose();
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_socket is not { } listener)
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            Socket connection;
            try
            {
                connection = await listener.AcceptAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e)
            {
                BulkUploadLog.AcceptFailed(_logger, e.Message);
                continue;
            }

            if (Interlocked.Increment(ref _open) > _options.MaxConnections)
            {
                Interlocked.Decrement(ref _open);
                BulkUploadLog.TooManyConnections(_logger, connection.RemoteEndPoint, _options.MaxConnections);
                _metrics.BulkConnection(BulkOutcome.TooManyConnections);
                connection.Dispose();
                continue;
            }

            _ = ServeAsync(connection, stoppingToken);
        }
    }

    private async Task ServeAsync(Socket connection, CancellationToken stoppingToken)
    {
        try
        {
            // Off the accept loop at once: the receiver's first await may complete synchronously.
            await Task.Yield();
            await _receiver.ServeAsync(connection, stoppingToken).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _open);
        }
    }
}
