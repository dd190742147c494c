using System.Globalization;
using Federated.Client.Federation;
using Federated.Coordinator.Aggregation.Privacy;
using Federated.Coordinator.Nodes;
using Federated.Coordinator.Rounds;
using Federated.Coordinator.Rounds.Pipeline;
using Federated.Coordinator.Runs;
using Federated.Coordinator.Storage;
using Federated.Model.Parameters;
using Federated.Simulation.Federation;

namespace Federated.Simulation.Engine;

/// <summary>
/// The coordinator's own <see cref="RoundEngine"/> over an in-memory SQLite store, in this process: the run is created
/// paused, every client is enrolled, and <see cref="OpenAsync"/> resumes it once all have joined.
/// </summary>
public sealed class InMemoryFederationHost : IFederationHost
{
    private readonly SqliteStore _store;
    private readonly InMemoryCoordinatorConnection[] _connections;
    private readonly SimulationClock _clock = new();
    private readonly TimeSpan _deadline;

    /// <summary>Creates the engine, the run and <paramref name="clients"/> enrolled nodes.</summary>
    /// <param name="config">The run.</param>
    /// <param name="model">The run's spec (the very instance <c>config.Spec</c>) compiled: every node's joins hand it out.</param>
    /// <param name="clients">Nodes to enrol.</param>
    /// <exception cref="ArgumentException"><paramref name="model"/> was not compiled from <paramref name="config"/>'s spec.</exception>
    public InMemoryFederationHost(RunConfig config, CompiledModel model, int clients)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(model);
        if (!ReferenceEquals(model.Spec, config.Spec))
        {
            throw new ArgumentException("the model must be compiled from the run config's own spec", nameof(model));
        }

        _store = new SqliteStore(":memory:");
        // A private run's noise is keyed by its seed, so a simulation repeats (never the production source's behaviour).
        var pipelines = new RoundPipelineFactory(privacyNoise: PrivacyNoiseSource.FromRunSeed);
        // Nodes never count as gone (each expired deadline moves the clock by a day); drop-outs are the driver's to play.
        Engine = new RoundEngine(_store, _clock, new RoundEngineOptions { NodeLivenessTimeout = TimeSpan.FromDays(365 * 100) }, pipelines: pipelines);
        _deadline = TimeSpan.FromSeconds(Math.Max(config.RoundDeadlineSeconds, config.SecureAggregation?.PhaseTimeoutSeconds ?? 0)) + TimeSpan.FromSeconds(1);
        var nodes = new NodeDirectory(_store, _clock);
        RunId = Engine.CreateRun(config).RunId;
        Engine.Pause(RunId);
        _connections = new InMemoryCoordinatorConnection[clients];
        for (var c = 0; c < clients; c++)
        {
            var id = NodeId(c);
            nodes.IssueToken(id);
            _connections[c] = new InMemoryCoordinatorConnection(Engine, id, model);
        }
    }

    /// <summary>The engine (for inspection in tests).</summary>
    public RoundEngine Engine { get; }

    /// <inheritdoc/>
    public string RunId { get; }

    /// <inheritdoc/>
    public string Transport => "in-memory";

    /// <summary>The node id of client <paramref name="client"/>.</summary>
    public static string NodeId(int client) => string.Create(CultureInfo.InvariantCulture, $"sim-{client:D5}");

    /// <inheritdoc/>
    public ICoordinatorConnection Connection(int client) => _connections[client];

    /// <inheritdoc/>
    public Task OpenAsync(CancellationToken cancellationToken)
    {
        Engine.Resume(RunId);
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public Task ExpireDeadlineAsync(CancellationToken cancellationToken)
    {
        _clock.Advance(_deadline);
        Engine.Tick();
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public long ModelVersion() => Engine.GetRun(RunId).ModelVersion;

    /// <inheritdoc />
    public string? FailureMessage() => Engine.GetRun(RunId) is { Status: RunStatus.Failed } run ? run.Message : null;

    /// <inheritdoc/>
    public byte[]? LoadStrategyState(long version) => _store.LoadStrategyState(RunId, version);

    /// <inheritdoc/>
    public ValueTask DisposeAsync()
    {
        _store.Dispose();
        return ValueTask.CompletedTask;
    }
}
