using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace Federated.Coordinator.Dashboard;

/// <summary>
/// Runs the dashboard as a second web application inside the coordinator's process: its own Kestrel endpoint
/// (HTTP/1.1, cookies, anti-forgery, Razor Pages) over the coordinator's own engine, queries and credentials, which it
/// shares rather than copies. A separate application keeps the gRPC endpoint's HTTP/2-only protocol and bearer-token
/// scheme apart from the browser's.
/// </summary>
public sealed class DashboardServer : IHostedService, IAsyncDisposable
{
    private readonly IServiceProvider _coordinator;
    private readonly DashboardOptions _options;
    private readonly ILogger<DashboardServer> _logger;
    private WebApplication? _app;

    /// <summary>Creates the server over the coordinator's services (started by the host).</summary>
    public DashboardServer(IServiceProvider coordinator, IOptions<DashboardOptions> options, ILogger<DashboardServer> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _coordinator = coordinator;
        _options = options.Value;
        _logger = logger;
    }

    /// <summary>The address the dashboard listens on (its port resolved when configured as 0), or null while it is not running or is off.</summary>
    public Uri? Address { get; private set; }

    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!_options.Enabled)
        {
            return;
        }

        _app = DashboardApplication.Build(_coordinator, _options);
        await _app.StartAsync(cancellationToken).ConfigureAwait(false);
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Address = new Uri(address);
        DashboardLog.Listening(_logger, address);
    }

    /// <inheritdoc />
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is { } app)
        {
            Address = null;
            await app.StopAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_app is { } app)
        {
            _app = null;
            await app.DisposeAsync().ConfigureAwait(false);
        }
    }
}
