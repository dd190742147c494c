using Federated.Coordinator.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Federated.Coordinator.Tests;

/// <summary>A coordinator on a real Kestrel server on a free loopback port (h2c), with its own SQLite file and the test admin token.</summary>
internal sealed class LoopbackCoordinator : IAsyncDisposable
{
    private readonly WebApplication _app;
    private bool _stopped;

    private LoopbackCoordinator(WebApplication app, string databasePath)
    {
        _app = app;
        DatabasePath = databasePath;
        Address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
    }

    public Uri Address { get; }

    public string DatabasePath { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>The dashboard's address; only when the settings turn it on (<c>Dashboard:Url</c>, e.g. <c>http://127.0.0.1:0</c>).</summary>
    public Uri DashboardAddress => Services.GetRequiredService<global::Federated.Coordinator.Dashboard.DashboardServer>().Address ?? throw new InvalidOperationException("the dashboard is off");

    /// <summary>Starts a coordinator with <paramref name="settings"/> added to its configuration (keys as in appsettings.json).</summary>
    public static async Task<LoopbackCoordinator> StartAsync(IReadOnlyDictionary<string, string?>? settings = null)
    {
        var databasePath = Path.Combine(Path.GetTempPath(), "federated-tests", Guid.NewGuid().ToString("N"), "coordinator.db");
        var configuration = new Dictionary<string, string?>
        {
            ["Urls"] = "http://127.0.0.1:0",
            ["Coordinator:DatabasePath"] = databasePath,
            ["Coordinator:AdminToken"] = CoordinatorTestHost.AdminToken,
            ["Coordinator:TickIntervalSeconds"] = "0",
            ["Dashboard:Url"] = "",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            configuration[key] = value;
        }

        var app = CoordinatorHost.Build([], builder => builder.Configuration.AddInMemoryCollection(configuration));
        await app.StartAsync();
        return new LoopbackCoordinator(app, databasePath);
    }

    /// <summary>Stops the server (as a coordinator shutting down); <see cref="DisposeAsync"/> still cleans up.</summary>
    public async Task StopAsync()
    {
        if (!_stopped)
        {
            _stopped = true;
            await _app.StopAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await _app.DisposeAsync();
        CoordinatorTestHost.DeleteDatabase(DatabasePath);
    }
}
