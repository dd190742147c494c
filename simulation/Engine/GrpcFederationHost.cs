using System.Globalization;
using System.Security.Cryptography;
using Federated.Client.Federation;
using Federated.Coordinator.Hosting;
using Federated.Coordinator.Nodes;
using Federated.Coordinator.Rounds;
using Federated.Coordinator.Runs;
using Federated.Coordinator.Storage;
using Federated.Model.Parameters;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Federated.Simulation.Engine;

/// <summary>
/// The real coordinator service (<see cref="CoordinatorHost"/>: Kestrel, gRPC, authentication) on 127.0.0.1 with a free
/// port and an in-memory store, in this process; every virtual client talks to it through its own
/// <see cref="GrpcCoordinatorConnection"/> with its own bearer token (<c>--transport grpc</c>).
/// </summary>
/// <remarks>
/// The operator steps (create the run paused, enrol the nodes, resume once all have joined) go straight to the hosted
/// engine; everything a node does crosses the wire. All connections share one HTTP/2 socket handler, so thousands of
/// clients need not open thousands of sockets.
/// </remarks>
public sealed class GrpcFederationHost : IFederationHost
{
    private readonly WebApplication _app;
    private readonly RoundEngine _engine;
    private readonly GrpcCoordinatorConnection[] _connections;
    private readonly SocketsHttpHandler _handler;

    private GrpcFederationHost(WebApplication app, RoundEngine engine, string runId, GrpcCoordinatorConnection[] connections, SocketsHttpHandler handler, Uri address)
    {
        _app = app;
        _engine = engine;
        RunId = runId;
        _connections = connections;
        _handler = handler;
        Address = address;
    }

    /// <summary>Where the coordinator listens.</summary>
    public Uri Address { get; }

    /// <inheritdoc/>
    public string RunId { get; }

    /// <inheritdoc/>
    public string Transport => "grpc (loopback)";

    /// <summary>Starts the coordinator, creates the run (paused) and enrols <paramref name="clients"/> nodes.</summary>
    /// <param name="config">The run.</param>
    /// <param name="model">
    /// The run's spec (the very instance <c>config.Spec</c>) compiled: every connection's join is given it
    /// (<see cref="GrpcConnectionOptions.Model"/>) instead of compiling the spec it receives.
    /// </param>
    /// <param name="clients">Nodes to enrol.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <exception cref="ArgumentException"><paramref name="model"/> was not compiled from <paramref name="config"/>'s spec.</exception>
    public static async Task<GrpcFederationHost> StartAsync(RunConfig config, CompiledModel model, int clients, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(model);
        if (!ReferenceEquals(model.Spec, config.Spec))
        {
            throw new ArgumentException("the model must be compiled from the run config's own spec", nameof(model));
        }

        var app = CoordinatorHost.Build([], builder =>
        {
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Services.Replace(ServiceDescriptor.Singleton(Federated.Coordinator.Aggregation.Privacy.PrivacyNoiseSource.FromRunSeed));
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Coordinator:DatabasePath"] = ":memory:",
                ["Coordinator:AdminToken"] = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24)),
                ["Coordinator:TickIntervalSeconds"] = "0",
                ["Dashboard:Url"] = "",
                ["Coordinator:NodeLivenessSeconds"] = "86400",
                ["Logging:LogLevel:Default"] = "Warning",
            });
        });
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        var engine = app.Services.GetRequiredService<RoundEngine>();
        var nodes = app.Services.GetRequiredService<NodeDirectory>();
        var runId = engine.CreateRun(config).RunId;
        engine.Pause(runId);
        var handler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true };
        var connections = new GrpcCoordinatorConnection[clients];
        for (var c = 0; c < clients; c++)
        {
            var token = nodes.IssueToken(string.Create(CultureInfo.InvariantCulture, $"sim-{c:D5}"));
            // No bulk uploads: each opens a TCP connection, and thousands of virtual clients per round on one host would
            // pile up sockets in TIME_WAIT; the shared HTTP/2 connections carry every upload instead.
            connections[c] = new GrpcCoordinatorConnection(address, token, new GrpcConnectionOptions { HttpHandler = handler, Model = model, BulkUploads = false });
        }

        return new GrpcFederationHost(app, engine, runId, connections, handler, address);
    }

    /// <inheritdoc/>
    public ICoordinatorConnection Connection(int client) => _connections[client];

    /// <inheritdoc/>
    public Task OpenAsync(CancellationToken cancellationToken)
    {
        _engine.Resume(RunId);
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public byte[]? LoadStrategyState(long version) => _app.Services.GetRequiredService<SqliteStore>().LoadStrategyState(RunId, version);

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        foreach (var connection in _connections)
        {
            connection.Dispose();
        }

        _handler.Dispose();
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
