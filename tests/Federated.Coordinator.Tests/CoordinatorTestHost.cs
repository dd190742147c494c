using Federated.Coordinator.Hosting;
using Federated.Coordinator.Rounds;
using Federated.Protos.V1;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Federated.Coordinator.Tests;

/// <summary>A coordinator on an in-memory TestServer with a fake clock, its own SQLite file, and gRPC clients over it.</summary>
internal sealed class CoordinatorTestHost : IAsyncDisposable
{
    public const string AdminToken = "test-admin-token-0123456789";

    private readonly WebApplication _app;
    private readonly GrpcChannel _channel;

    private CoordinatorTestHost(WebApplication app, FakeTimeProvider time, string databasePath)
    {
        _app = app;
        Time = time;
        DatabasePath = databasePath;
        var server = app.GetTestServer();
        _channel = GrpcChannel.ForAddress(server.BaseAddress, new GrpcChannelOptions
        {
            HttpHandler = server.CreateHandler(),
            MaxReceiveMessageSize = 8 * 1024 * 1024,
            MaxSendMessageSize = 8 * 1024 * 1024,
        });
        Operator = new Operator.OperatorClient(_channel);
        Federation = new Federation.FederationClient(_channel);
    }

    public FakeTimeProvider Time { get; }

    public string DatabasePath { get; }

    public Operator.OperatorClient Operator { get; }

    public Federation.FederationClient Federation { get; }

    public RoundEngine Engine => _app.Services.GetRequiredService<RoundEngine>();

    public IServiceProvider Services => _app.Services;

    public GrpcChannel Channel => _channel;

    public static Metadata Admin => Bearer(AdminToken);

    public static Metadata Bearer(string token) => new() { { "authorization", "Bearer " + token } };

    /// <summary>Starts a coordinator on <paramref name="databasePath"/> (a new temp file when null); <paramref name="configure"/> may add to the builder.</summary>
    public static async Task<CoordinatorTestHost> StartAsync(string? databasePath = null, FakeTimeProvider? time = null, Action<WebApplicationBuilder>? configure = null)
    {
        databasePath ??= Path.Combine(Path.GetTempPath(), "federated-tests", Guid.NewGuid().ToString("N"), "coordinator.db");
        time ??= new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var clock = time;
        var app = CoordinatorHost.Build([], builder =>
        {
            builder.WebHost.UseTestServer();
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Coordinator:DatabasePath"] = databasePath,
                ["Coordinator:AdminToken"] = AdminToken,
                ["Coordinator:TickIntervalSeconds"] = "0",
                ["Dashboard:Url"] = "",
                ["Coordinator:MaxWaitSeconds"] = "0",
                ["Logging:LogLevel:Default"] = "Warning",
            });
            builder.Services.AddSingleton<TimeProvider>(clock);
            configure?.Invoke(builder);
        });
        await app.StartAsync();
        return new CoordinatorTestHost(app, time, databasePath);
    }

    public async Task<string> IssueTokenAsync(string node) =>
        (await Operator.IssueTokenAsync(new IssueTokenRequest { NodeId = node }, Admin)).Token;

    public async Task<RunInfo> StartRunAsync(string configJson) =>
        await Operator.StartRunAsync(new StartRunRequest { ConfigJson = configJson }, Admin);

    public async Task<FakeNode> EnrolAsync(string node) => new(node, await IssueTokenAsync(node), Federation);

    public async ValueTask DisposeAsync()
    {
        _channel.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    /// <summary>Deletes the directory of a database file made by <see cref="StartAsync"/>.</summary>
    public static void DeleteDatabase(string databasePath)
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        var directory = Path.GetDirectoryName(databasePath)!;
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
