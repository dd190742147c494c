using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Federated.Coordinator.Grpc;
using Federated.Coordinator.Hosting;
using Federated.Coordinator.Rounds;
using Federated.Coordinator.Uploads;
using Federated.Model.Updates;
using Federated.Protos;
using Federated.Protos.V1;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Federated.Coordinator.Bulk;

/// <summary>
/// Serves one bulk connection (federation.proto, <c>BeginBulkUpload</c>): TLS if configured, the preamble within
/// <see cref="BulkUploadOptions.PreambleSeconds"/>, the ticket taken once, the header admitted again (the round may have
/// closed since the ticket), an upload slot, then each tensor's values read from the socket straight into the array the
/// update keeps, and the engine's answer written back. Everything the engine refuses or the connection breaks counts
/// nothing; the arrays go back to the pool and the slot is released whatever happens.
/// </summary>
public sealed class BulkUploadReceiver
{
    private const int DiscardBytes = 64 * 1024;

    private readonly RoundEngine _engine;
    private readonly BulkUploadTickets _tickets;
    private readonly UploadSlots _slots;
    private readonly TensorArrayPool _arrays;
    private readonly TimeProvider _time;
    private readonly ILogger<BulkUploadReceiver> _logger;
    private readonly CoordinatorMetrics _metrics;
    private readonly TimeSpan _preambleTime;
    private readonly TimeSpan _uploadTime;
    private readonly X509Certificate2? _certificate;

    /// <summary>Creates the receiver; loads the TLS certificate when one is configured.</summary>
    public BulkUploadReceiver(
        RoundEngine engine,
        BulkUploadTickets tickets,
        UploadSlots slots,
        TensorArrayPool arrays,
        IOptions<BulkUploadOptions> bulk,
        IOptions<CoordinatorOptions> coordinator,
        TimeProvider time,
        CoordinatorMetrics metrics,
        ILogger<BulkUploadReceiver> logger)
    {
        ArgumentNullException.ThrowIfNull(bulk);
        ArgumentNullException.ThrowIfNull(coordinator);
        _engine = engine;
        _tickets = tickets;
        _slots = slots;
        _arrays = arrays;
        _time = time;
        _logger = logger;
        _metrics = metrics;
        _preambleTime = TimeSpan.FromSeconds(bulk.Value.PreambleSeconds);
        _uploadTime = TimeSpan.FromSeconds(coordinator.Value.MaxUploadSeconds);
        _certificate = bulk.Value.Tls ? CertificateFiles.Load(bulk.Value.CertificatePath, bulk.Value.CertificateKeyPath, bulk.Value.CertificatePassword) : null;
    }

    /// <summary>Serves <paramref name="socket"/> to its end and closes it; never throws (failures are logged).</summary>
    /// <param name="socket">An accepted connection; owned from here.</param>
    /// <param name="stopping">The host's shutdown.</param>
    public async Task ServeAsync(Socket socket, CancellationToken stopping)
    {
        ArgumentNullException.ThrowIfNull(socket);
        var remote = socket.RemoteEndPoint;
        socket.NoDelay = true;
        Stream stream = new NetworkStream(socket, ownsSocket: true);
        BulkTicket? admitted = null;
        BulkOutcome? outcome = null;
        try
        {
            (var secured, admitted, var stalled) = await OpenAsync(stream, stopping).ConfigureAwait(false);
            stream = secured ?? stream;
            BulkUploadResult result;
            if (stalled)
            {
                BulkUploadLog.ConnectionRefused(_logger, remote, $"no preamble within {_preambleTime.TotalSeconds} s");
                outcome = BulkOutcome.BrokenOff;
                _metrics.BulkConnection(outcome.Value);
                return;
            }

            if (admitted is null)
            {
                BulkUploadLog.ConnectionRefused(_logger, remote, "a wrong preamble, or a ticket unknown, used or expired");
                outcome = BulkOutcome.TicketRefused;
                result = Refused(StatusCode.Unauthenticated, RejectionStatus.BulkTicketRefused, "the ticket is unknown, used or expired (or the preamble is not FEDBULK1)");
            }
            else
            {
                result = await ReceiveAsync(stream, admitted, stopping).ConfigureAwait(false);
                outcome = result.Accepted is null ? BulkOutcome.Refused : BulkOutcome.Accepted;
            }

            // Counted as decided, before the answer goes out: a node that has read its answer sees the count.
            _metrics.BulkConnection(outcome.Value);
            await AnswerAsync(stream, result, stopping).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SocketException or AuthenticationException or OperationCanceledException or ObjectDisposedException)
        {
            // The node went away, broke off mid-upload or stalled on its answer: nothing it sent was counted, unless the
            // engine had decided already (then only the answer was lost, and the outcome was counted as decided).
            if (outcome is null)
            {
                _metrics.BulkConnection(BulkOutcome.BrokenOff);
            }

            if (admitted is null)
            {
                BulkUploadLog.ConnectionRefused(_logger, remote, e.Message);
            }
            else
            {
                BulkUploadLog.UploadBrokenOff(_logger, admitted.NodeId, e.Message);
            }
        }
        catch (Exception e)
        {
            if (outcome is null)
            {
                _metrics.BulkConnection(BulkOutcome.BrokenOff);
            }

            BulkUploadLog.UploadFailed(_logger, admitted?.NodeId ?? "?", e);
        }
        finally
        {
            await stream.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// TLS, the preamble and the ticket, within the preamble time: the TLS stream (if any), the ticket taken (null for a
    /// wrong preamble or a ticket unknown, used or expired), and whether the time ran out first.
    /// </summary>
    private async Task<(Stream? Stream, BulkTicket? Admitted, bool Stalled)> OpenAsync(Stream stream, CancellationToken stopping)
    {
        using var timeout = new CancellationTokenSource(_preambleTime, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stopping, timeout.Token);
        Stream? secured = null;
        try
        {
            if (_certificate is not null)
            {
                var tls = new SslStream(stream, leaveInnerStreamOpen: false);
                secured = tls;
                await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = _certificate }, linked.Token).ConfigureAwait(false);
            }

            var preamble = new byte[BulkUploadWire.PreambleBytes];
            await (secured ?? stream).ReadExactlyAsync(preamble, linked.Token).ConfigureAwait(false);
            var magic = BulkUploadWire.Magic;
            return (secured, preamble.AsSpan(0, magic.Length).SequenceEqual(magic) ? _tickets.Take(preamble.AsSpan(magic.Length)) : null, false);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !stopping.IsCancellationRequested)
        {
            return (secured, null, true);
        }
    }

    /// <summary>The values of an admitted ticket, and the engine's answer; refusals are answers, not exceptions.</summary>
    private async Task<BulkUploadResult> ReceiveAsync(Stream stream, BulkTicket ticket, CancellationToken stopping)
    {
        using var timeout = new CancellationTokenSource(_uploadTime, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stopping, timeout.Token);
        var received = new List<TensorDelta>(ticket.Tensors.Count);
        UploadSlot? slot = null;
        try
        {
            // The round may have closed, or the node's upload been counted over gRPC, since the ticket was issued.
            if (_engine.AdmitUpload(ticket.NodeId, ticket.Header) is { } counted)
            {
                await DiscardAsync(stream, ticket.ValueBytes, linked.Token).ConfigureAwait(false);
                return Accepted(counted);
            }

            slot = await _slots.AcquireAsync(linked.Token).ConfigureAwait(false);
            long allocated = 0;
            foreach (var plan in ticket.Tensors)
            {
                var values = plan.Rows is null ? _arrays.Rent(plan.Values) : GC.AllocateUninitializedArray<float>(plan.Values);
                received.Add(new TensorDelta(plan.Tensor.Name, values, plan.Rows));
                slot.Report(allocated += plan.Values);
                await stream.ReadExactlyAsync(BulkUploadWire.AsBytes(values, 0, plan.Values), linked.Token).ConfigureAwait(false);
            }

            var update = new NodeUpdate(ticket.Header, new ModelDelta(received));
            return Accepted(_engine.SubmitUpdate(ticket.NodeId, update));
        }
        catch (RejectionException e)
        {
            var reason = RejectionStatus.NameOf(e.Reason);
            BulkUploadLog.UploadRefused(_logger, ticket.NodeId, reason, RejectionStatus.Cut(e.Message));
            return Refused(RejectionStatus.CodeOf(e.Reason), reason, e.Message);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !stopping.IsCancellationRequested)
        {
            BulkUploadLog.UploadRefused(_logger, ticket.NodeId, RejectionStatus.TooLarge, $"longer than {_uploadTime.TotalSeconds} s");
            return Refused(StatusCode.ResourceExhausted, RejectionStatus.TooLarge, $"an upload may take at most {_uploadTime.TotalSeconds} s");
        }
        finally
        {
            // The engine keeps no array of an update it counted or refused, so they serve the next upload.
            foreach (var delta in received)
            {
                if (delta.Rows is null)
                {
                    _arrays.Return(delta.Values);
                }
            }

            slot?.Dispose();
        }
    }

    /// <summary>Reads and drops the values of an upload already counted, so the node gets to read its answer.</summary>
    private static async Task DiscardAsync(Stream stream, long bytes, CancellationToken cancellationToken)
    {
        var buffer = new byte[(int)Math.Min(DiscardBytes, Math.Max(bytes, 1))];
        while (bytes > 0)
        {
            var count = (int)Math.Min(buffer.Length, bytes);
            await stream.ReadExactlyAsync(buffer.AsMemory(0, count), cancellationToken).ConfigureAwait(false);
            bytes -= count;
        }
    }

    private async Task AnswerAsync(Stream stream, BulkUploadResult result, CancellationToken stopping)
    {
        // A node that stopped reading cannot hold the connection: the answer gets the preamble's time to go out.
        using var timeout = new CancellationTokenSource(_preambleTime, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stopping, timeout.Token);
        await BulkUploadWire.WriteResultAsync(stream, result, linked.Token).ConfigureAwait(false);
    }

    private static BulkUploadResult Accepted(SubmitOutcome outcome) => new()
    {
        Accepted = new SubmitUpdateReply { Accepted = true, Duplicate = outcome.Duplicate, Round = outcome.Round, UpdatesInRound = outcome.UpdatesInRound },
    };

    private static BulkUploadResult Refused(StatusCode code, string reason, string message) => new()
    {
        Refused = new BulkUploadError { Reason = BulkUploadWire.ReasonOf(reason), StatusCode = (int)code, Message = RejectionStatus.Cut($"[{reason}] {message}") },
    };
}
