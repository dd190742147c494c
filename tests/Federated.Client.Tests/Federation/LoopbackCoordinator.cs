using Federated.Coordinator.Hosting;
using Federated.Coordinator.Nodes;
using Federated.Coordinator.Rounds;
using Federated.Coordinator.Runs;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Federated.Client.Tests.Federation;

/// <summary>The real coordinator on Kestrel at 127.0.0.1:&lt;free port&gt; (h2c), with its SQLite file in a test directory and an upload recorder on the wire.</summary>
public sealed class LoopbackCoordinator : IAsyncDisposable
{
    private readonly WebApplication _app;

    private LoopbackCoordinator(WebApplication app, Uri address, UploadRecorder recorder)
    {
        _app = app;
        Address = address;
        Recorder = recorder;
    }

    public Uri Address { get; }

    public UploadRecorder Recorder { get; }

    public RoundEngine Engine => _app.Services.GetRequiredService<RoundEngine>();

    public IServiceProvider Services => _app.Services;

    /// <summary>Starts the coordinator; <paramref name="settings"/> are added to its configuration (e.g. <c>BulkUpload:Enabled</c>).</summary>
    public static async Task<LoopbackCoordinator> StartAsync(string directory, IReadOnlyDictionary<string, string?>? settings = null, string urls = "http://127.0.0.1:0")
    {
        var recorder = new UploadRecorder();
        var app = CoordinatorHost.Build([], builder =>
        {
            builder.WebHost.UseUrls(urls);
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Coordinator:DatabasePath"] = Path.Combine(directory, "coordinator.db"),
                ["Coordinator:AdminToken"] = "client-tests-admin-token-0123456789",
                ["Coordinator:TickIntervalSeconds"] = "0",
                ["Dashboard:Url"] = "",
                ["Coordinator:MaxWaitSeconds"] = "20",
                ["Logging:LogLevel:Default"] = "Warning",
            });
            if (settings is not null)
            {
                builder.Configuration.AddInMemoryCollection(settings);
            }

            builder.Services.AddSingleton(recorder);
            builder.Services.AddGrpc(options => options.Interceptors.Add<UploadRecorder>());
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new LoopbackCoordinator(app, new Uri(address), recorder);
    }

    public string IssueToken(string node) => _app.Services.GetRequiredService<NodeDirectory>().IssueToken(node);

    public bool Revoke(string node) => _app.Services.GetRequiredService<NodeDirectory>().Revoke(node);

    public RunSummary StartRun(string configJson) => Engine.CreateRun(RunConfig.FromJson(configJson));

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }
}
