using Federated.Coordinator.Rounds.Pipeline;
using Federated.Coordinator.Runs;
using Federated.Model.Parameters;
using Microsoft.Extensions.Logging.Abstractions;

namespace Federated.Coordinator.Rounds;

/// <summary>
/// The rounds of every run, in plain C#: a state machine over ports — the store, the clock, node selection and
/// presence, the event hub — that validates updates, passes them through each run's <see cref="RoundPipeline"/>,
/// stores each new version before it is announced, and resumes after a restart. The gRPC services are thin adapters
/// over it; a simulation drives it in memory.
/// </summary>
/// <remarks>
/// <para>
/// A round starts when its run is running, has no open round, has versions left to produce and at least
/// <see cref="RunConfig.MinClients"/> connected nodes. It closes when every selected node has answered, or at its
/// deadline (checked by <see cref="Tick"/>) with at least the quorum; otherwise it fails and is retried or fails the run.
/// </para>
/// <para>
/// Thread-safe, with locks per run (see <see cref="RunSession"/>): one run's commit, failure or slow storage never
/// delays another run, and a poll never waits for a commit being written. An update is validated completely
/// (<see cref="UpdateValidator"/>) before anything of its round changes. Events are published outside the locks.
/// </para>
/// </remarks>
public sealed partial class RoundEngine
{
    private readonly IRoundStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CoordinatorMetrics? _metrics;
    private readonly RoundPipelineFactory _pipelines;
    private readonly int _keepLastVersions;
    private readonly long _maxLabelledExamples;
    private readonly NodePresenceTracker _presence;
    private readonly Lock _runsGate = new();
    private readonly Lock _createGate = new();
    private readonly Dictionary<string, RunSession> _runs = new(StringComparer.Ordinal);

    /// <summary>Creates the engine over a store; call <see cref="Restore"/> once to resume stored runs.</summary>
    /// <param name="store">Where runs, rounds, versions and metrics are kept.</param>
    /// <param name="time">The clock of deadlines and presence.</param>
    /// <param name="options">Liveness timeout, version retention and the label-statistics count limit; defaults when null.</param>
    /// <param name="logger">Logs round events.</param>
    /// <param name="metrics">Counts rounds and updates.</param>
    /// <param name="pipelines">Builds each run's pipeline; the strategy alone when null.</param>
    /// <param name="events">Receives the engine's events; a private hub when null.</param>
    public RoundEngine(
        IRoundStore store,
        TimeProvider time,
        RoundEngineOptions? options = null,
        ILogger<RoundEngine>? logger = null,
        CoordinatorMetrics? metrics = null,
        RoundPipelineFactory? pipelines = null,
        RoundEventHub? events = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(time);
        _store = store;
        _time = time;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _metrics = metrics;
        _pipelines = pipelines ?? new RoundPipelineFactory();
        options ??= new RoundEngineOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.KeepLastVersions, 1, nameof(options));
        _presence = new NodePresenceTracker(time, options.NodeLivenessTimeout);
        _keepLastVersions = options.KeepLastVersions;
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxLabelledExamples, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.MaxLabelledExamples, LabelStatisticsValidator.MaxMergedCount, nameof(options));
        _maxLabelledExamples = options.MaxLabelledExamples;
        Events = events ?? new RoundEventHub();
        StartedAt = time.GetUtcNow();
    }

    /// <summary>When the engine was created.</summary>
    public DateTimeOffset StartedAt { get; }

    /// <summary>Where the engine publishes its events.</summary>
    public RoundEventHub Events { get; }

    /// <summary>Calls <paramref name="handler"/> for every event until the returned handle is disposed. Handlers must be quick.</summary>
    public IDisposable Subscribe(Action<RoundEvent> handler) => Events.Subscribe(handler);

    /// <summary>
    /// Loads every stored run. Unfinished runs resume from their last committed version; a round that was open is
    /// reopened with the same nodes, an empty aggregate and a fresh deadline, so its nodes simply send again.
    /// </summary>
    public void Restore()
    {
        var now = _time.GetUtcNow();
        foreach (var stored in _store.LoadRuns())
        {
            try
            {
                RestoreRun(stored, now);
            }
            catch (Exception e) when (e is InvalidDataException or RunConfigException or RejectionException or ArgumentException or System.Text.Json.JsonException)
            {
                // What one run stored cannot be read back (state of another format, a version that is gone, a config
                // this build refuses): that run fails with the reason; the others, and the coordinator, go on.
                FailUnrestorable(stored, e);
            }
        }

        // Who joined which run and when it last called, as before the restart. Restored nodes may download and evaluate
        // (they joined), but none is selected before it polls again.
        foreach (var member in _store.LoadNodeRuns())
        {
            _presence.Restore(member.NodeId, member.RunId, member.LastSeen);
            lock (_runsGate)
            {
                if (_runs.TryGetValue(member.RunId, out var run))
                {
                    lock (run.State)
                    {
                        run.RestoredMembers.Add(member.NodeId);
                    }
                }
            }
        }
    }

    private void RestoreRun(StoredRun stored, DateTimeOffset now)
    {
        var config = RunConfig.FromJson(stored.ConfigJson);
        var run = NewSession(stored.Id, config, stored.CreatedAt);
        run.ConfigJson = stored.ConfigJson;
        run.Status = stored.Status;
        run.Version = stored.ModelVersion;
        run.ConsecutiveFailures = stored.ConsecutiveFailures;
        run.Message = stored.Message;
        var rounds = _store.LoadRounds(stored.Id);
        run.LastRound = rounds.Count == 0 ? 0 : rounds[^1].Round;
        foreach (var round in rounds)
        {
            run.RestoredMembers.UnionWith(round.Selected);
        }

        if (run.IsActive)
        {
            run.Buffers.Reset(LoadVersion(run, run.Version));
            run.Pipeline.RestoreStrategyState(_store.LoadStrategyState(run.Id, run.Version), run.Version);
            if (run.Version == 0)
            {
                // Version 0 stores no ledger: the runs it composes with are read again (they ended, so they did not change).
                ComposePriorRuns(run);
            }

            run.SetPrivacy(run.Pipeline.Privacy?.Ledger);

            // Secure attempts that failed since the stored version were counted by the accountant in memory only (they are
            // stored with the next version's ledger); the rounds table remembers them, so a restart does not forget them.
            if (run.Pipeline.Privacy is { } dp)
            {
                for (var i = FailedSecureAttemptsSince(config, rounds, run.Version); i > 0; i--)
                {
                    run.SetPrivacy(dp.CountFailedAttempt());
                }
            }
        }
        else
        {
            run.SetPrivacy(EndedRunLedger(run, rounds));
        }

        foreach (var round in rounds.Where(r => r.State == RoundState.Open))
        {
            if (run.IsActive && round.BaseVersion == run.Version)
            {
                _store.DeleteUploads(run.Id, round.Round);
                var reopened = NewRound(run, round.Round, round.Selected, round.StartedAt, round.Selected.Count == 0 ? now : now + DeadlineOf(config), round.Released);
                _store.SaveRound(reopened.ToStored(run.Id, RoundState.Open));
                run.OpenRound = reopened;
                RoundsLog.RoundReopened(_logger, run.Id, round.Round);

                // A secure round's protocol state was in memory only: it starts again from its first phase, fresh keys and all.
                if (config.SecureAggregation is { } secure)
                {
                    BeginSecureRound(run, reopened, secure, []);
                }
            }
            else
            {
                _store.SaveRound(round with { State = RoundState.Abandoned, ClosedAt = now });
            }
        }

        lock (_runsGate)
        {
            _runs[run.Id] = run;
        }

        RoundsLog.RunRestored(_logger, run.Id, run.Version, run.Status);
    }

    /// <summary>Sets the run's state and message, stores them and announces the change; the caller holds the run's state lock.</summary>
    private void ChangeRunState(RunSession run, RunStatus status, string message, long round, List<RoundEvent> events)
    {
        run.Status = status;
        run.Message = message;
        _store.UpdateRun(run.Id, status, run.ConsecutiveFailures, message);
        RoundsLog.RunStateChanged(_logger, run.Id, status, message);
        events.Add(Event(RoundEventKind.RunStateChanged, run, round, "", message));
    }

    private void FailUnrestorable(StoredRun stored, Exception e)
    {
        var message = $"the run could not be restored: {e.Message}";
        RoundsLog.RunNotRestored(_logger, stored.Id, e.Message);
        _store.UpdateRun(stored.Id, RunStatus.Failed, stored.ConsecutiveFailures, message);
        foreach (var round in _store.LoadRounds(stored.Id).Where(r => r.State == RoundState.Open))
        {
            _store.SaveRound(round with { State = RoundState.Abandoned, ClosedAt = _time.GetUtcNow() });
        }

        try
        {
            var run = NewSession(stored.Id, RunConfig.FromJson(stored.ConfigJson), stored.CreatedAt);
            run.ConfigJson = stored.ConfigJson;
            run.Status = RunStatus.Failed;
            run.Version = stored.ModelVersion;
            run.Message = message;
            lock (_runsGate)
            {
                _runs[run.Id] = run;
            }
        }
        catch (Exception again) when (again is RunConfigException or ArgumentException or System.Text.Json.JsonException)
        {
            // Its config itself is unreadable: the run stays failed in the store and is not served.
        }
    }

    /// <summary>
    /// Creates a run from a validated config: initial parameters from its seed, or <paramref name="initialShared"/> when
    /// given, are stored as version 0, and it starts running.
    /// </summary>
    /// <param name="config">The run's config.</param>
    /// <param name="initialShared">Version 0's shared tensors (e.g. read from a safetensors export), or null for the seed's.</param>
    /// <exception cref="RunConfigException">The config is invalid.</exception>
    /// <exception cref="ArgumentException"><paramref name="initialShared"/> does not fit the model (a tensor missing, unexpected, of another shape, or not finite).</exception>
    public RunSummary CreateRun(RunConfig config, IReadOnlyList<SafetensorsTensor>? initialShared = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        RunSession run;
        lock (_createGate)
        {
            var now = _time.GetUtcNow();
            var sequence = _store.NextRunSequence();
            var id = $"run-{sequence}";
            run = NewSession(id, config, now);
            run.ConfigJson = config.ToJson();
            run.Status = RunStatus.Running;
            run.Buffers.Reset(run.Model.InitializeShared(config.Seed));
            ComposePriorRuns(run);
            if (initialShared is not null)
            {
                try
                {
                    SafetensorsFile.FillShared(run.Global!, initialShared);
                }
                catch (InvalidDataException e)
                {
                    throw new ArgumentException("initial model: " + e.Message, nameof(initialShared), e);
                }
            }

            run.SetPrivacy(run.Pipeline.Privacy?.Ledger);
            _store.InsertRun(new StoredRun(id, config.Name, run.ConfigJson, run.Status, 0, 0, now, ""), sequence, run.Global!.Values);
            lock (_runsGate)
            {
                _runs[id] = run;
            }
        }

        RoundsLog.RunCreated(_logger, run.Id, config.Name, config.Rounds, run.Pipeline.Describe());
        RunSummary summary;
        lock (run.State)
        {
            summary = Summarize(run);
        }

        Events.Publish([Event(RoundEventKind.RunStateChanged, run, 0, "", "run created")]);
        return summary;
    }

    /// <summary>Stops starting new rounds; an open round still collects updates and closes.</summary>
    public RunSummary Pause(string runId) => ChangeStatus(runId, RunStatus.Paused, [RunStatus.Running], "paused by an operator");

    /// <summary>Resumes a paused run.</summary>
    public RunSummary Resume(string runId) => ChangeStatus(runId, RunStatus.Running, [RunStatus.Paused], "resumed by an operator");

    /// <summary>Stops a run for good; an open round is abandoned.</summary>
    public RunSummary Stop(string runId) => ChangeStatus(runId, RunStatus.Stopped, [RunStatus.Running, RunStatus.Paused], "stopped by an operator");

    private RunSummary ChangeStatus(string runId, RunStatus status, RunStatus[] from, string message)
    {
        var run = RequireRun(runId);
        var events = new List<RoundEvent>();
        RunSummary summary;
        run.Writer.Wait();
        try
        {
            lock (run.State)
            {
                if (!from.Contains(run.Status))
                {
                    throw new InvalidOperationException($"run {runId} is {run.Status.ToString().ToLowerInvariant()}, so it cannot be {status.ToString().ToLowerInvariant()}");
                }

                if (status == RunStatus.Stopped)
                {
                    // A stopped run commits nothing more: the buffer its next version would have been written into goes.
                    run.Buffers.Discard();
                }

                if (status == RunStatus.Stopped && run.OpenRound is { } open)
                {
                    _store.SaveRound(open.ToStored(run.Id, RoundState.Abandoned, _time.GetUtcNow()));
                    run.OpenRound = null;
                    open.Aggregation.Abandon();
                    RoundTracing.EndRound(open.Trace, "abandoned", open.Accepted.Count);
                }

                ChangeRunState(run, status, message, run.LastRound, events);
                run.Signal();
                StartRoundIfPossible(run, events);
                summary = Summarize(run);
            }
        }
        finally
        {
            run.Writer.Release();
        }

        Events.Publish(events);
        return summary;
    }

    private RunSession NewSession(string id, RunConfig config, DateTimeOffset createdAt)
    {
        var model = CompiledModel.Compile(config.Spec);
        return new RunSession(id, config, model, _pipelines.Create(config, model), createdAt);
    }

    /// <summary>A new round of <paramref name="run"/> from its current version: a label-statistics round when the run needs one.</summary>
    private static RoundSession NewRound(RunSession run, long round, IReadOnlyList<string> selected, DateTimeOffset startedAt, DateTimeOffset deadline, IEnumerable<string>? released = null) =>
        new(round, run.Version, selected, startedAt, deadline, run.Pipeline.BeginRound(new RoundContext(run.Id, round, run.Version, run.Config, run.Global!)), released)
        {
            Trace = RoundTracing.StartRound(run.Id, round, run.Version, selected.Count),
            LabelStatistics = run.NeedsLabelStatistics ? new LabelStatisticsRound(run.LabelStatisticsTasks) : null,
        };

    private ParameterSet LoadVersion(RunSession run, long version)
    {
        var values = _store.LoadVersion(run.Id, version)
            ?? throw new RejectionException(Rejection.VersionNotStored, $"run {run.Id} no longer stores version {version}: the coordinator keeps the last {_keepLastVersions} versions, version 0 and the versions an operator marked to keep");

        // Files written before the coordinator kept only the shared projection hold the full layout (local tensors at
        // their seed values): read them and drop the local part.
        return values.Length == run.Model.Layout.TotalLength && values.Length != run.Layout.TotalLength
            ? new ParameterSet(run.Model.Layout, values).ProjectTo(run.Layout)
            : new ParameterSet(run.Layout, values);
    }

    private static TimeSpan DeadlineOf(RunConfig config) => TimeSpan.FromSeconds(config.RoundDeadlineSeconds);

    private RunSession RequireRun(string runId)
    {
        lock (_runsGate)
        {
            return _runs.TryGetValue(runId ?? "", out var run) ? run : throw new RejectionException(Rejection.UnknownRun, $"no run '{runId}'");
        }
    }

    private RunSession[] AllRuns()
    {
        lock (_runsGate)
        {
            return [.. _runs.Values];
        }
    }

    private static RunSummary Summarize(RunSession run) =>
        new(run.Id, run.Config.Name, run.Status, run.Version, (int)run.TargetVersion, run.OpenRound?.Round ?? run.LastRound, run.Pipeline.Describe(), run.CreatedAt, run.ConfigJson, run.Message, run.Model.Fingerprint, run.PrivacySpent, run.Pipeline.Privacy?.Plan.TargetEpsilon);

    private RoundEvent Event(RoundEventKind kind, RunSession run, long round, string nodeId, string message) =>
        new(kind, run.Id, round, run.Version, nodeId, message, _time.GetUtcNow(), run.Status);
}
