using Federated.Coordinator.Aggregation;
using Federated.Coordinator.Runs;
using Federated.Coordinator.Storage;
using Federated.Model.Metrics;
using Federated.Model.Parameters;
using Federated.Model.Spec;
using Federated.Model.Updates;
using MathNet.Numerics.Random;
using Microsoft.Extensions.Logging.Abstractions;

namespace Federated.Coordinator.Rounds;

/// <summary>
/// The rounds of every run, in plain C#: selection, assignments, validation and aggregation of updates, deadlines,
/// storage of each new version before it is announced, and resumption after a restart. The gRPC services are thin
/// adapters over it; a simulation drives it in memory.
/// </summary>
/// <remarks>
/// A round starts when its run is running, has no open round, has versions left to produce and at least
/// <see cref="RunConfig.MinClients"/> connected nodes. It closes when every selected node has answered, or at its
/// deadline (checked by <see cref="Tick"/>) with at least the quorum; otherwise it fails and is retried or fails the run.
/// Thread-safe: one lock guards all runs; events are raised outside it.
/// </remarks>
public sealed class RoundEngine
{
    private const string TrainKind = "train";
    private const string EvalKind = "eval";

    private readonly SqliteStore _store;
    private readonly TimeProvider _time;
    private readonly RoundEngineOptions _options;
    private readonly ILogger _logger;
    private readonly CoordinatorMetrics? _metrics;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, RunSession> _runs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (DateTimeOffset LastSeen, HashSet<string> Runs)> _presence = new(StringComparer.Ordinal);
    private readonly List<Action<RoundEvent>> _subscribers = [];

    /// <summary>Creates the engine over a store; call <see cref="Restore"/> once to resume stored runs.</summary>
    public RoundEngine(SqliteStore store, TimeProvider time, RoundEngineOptions? options = null, ILogger<RoundEngine>? logger = null, CoordinatorMetrics? metrics = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(time);
        _store = store;
        _time = time;
        _options = options ?? new RoundEngineOptions();
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _metrics = metrics;
        StartedAt = time.GetUtcNow();
    }

    /// <summary>When the engine was created.</summary>
    public DateTimeOffset StartedAt { get; }

    /// <summary>Calls <paramref name="handler"/> for every event until the returned handle is disposed. Handlers must be quick.</summary>
    public IDisposable Subscribe(Action<RoundEvent> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        lock (_subscribers)
        {
            _subscribers.Add(handler);
        }

        return new Subscription(this, handler);
    }

    /// <summary>
    /// Loads every stored run. Unfinished runs resume from their last committed version; a round that was open is
    /// reopened with the same nodes, an empty aggregate and a fresh deadline, so its nodes simply send again.
    /// </summary>
    public void Restore()
    {
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            foreach (var stored in _store.LoadRuns())
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
                if (run.IsActive)
                {
                    run.Global = LoadVersion(run, run.Version);
                }

                foreach (var round in rounds.Where(r => r.State == RoundState.Open))
                {
                    if (run.IsActive && round.BaseVersion == run.Version)
                    {
                        _store.DeleteUploads(run.Id, round.Round);
                        var reopened = new RoundSession(round.Round, round.BaseVersion, round.Selected, round.StartedAt, now + DeadlineOf(config), run.Strategy.BeginRound(run.Global!));
                        _store.SaveRound(reopened.ToStored(run.Id, RoundState.Open));
                        run.OpenRound = reopened;
                        RoundsLog.RoundReopened(_logger, run.Id, round.Round);
                    }
                    else
                    {
                        _store.SaveRound(round with { State = RoundState.Abandoned, ClosedAt = now });
                    }
                }

                _runs[run.Id] = run;
                RoundsLog.RunRestored(_logger, run.Id, run.Version, run.Status);
            }
        }
    }

    /// <summary>Creates a run from a validated config: initial parameters from its seed are stored as version 0, and it starts running.</summary>
    /// <exception cref="RunConfigException">The config is invalid.</exception>
    public RunSummary CreateRun(RunConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        var events = new List<RoundEvent>();
        RunSummary summary;
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            var sequence = _store.NextRunSequence();
            var id = $"run-{sequence}";
            var run = NewSession(id, config, now);
            run.ConfigJson = config.ToJson();
            run.Status = RunStatus.Running;
            run.Global = ParameterSet.Initialize(run.Layout, config.Seed);
            _store.InsertRun(new StoredRun(id, config.Name, run.ConfigJson, run.Status, 0, 0, now, ""), sequence, run.Global.Values);
            _runs[id] = run;
            RoundsLog.RunCreated(_logger, id, config.Name, config.Rounds, config.Strategy.Name);
            events.Add(Event(RoundEventKind.RunStateChanged, run, 0, "", "run created"));
            summary = Summarize(run);
        }

        Publish(events);
        return summary;
    }

    /// <summary>Every run, oldest first.</summary>
    public IReadOnlyList<RunSummary> ListRuns()
    {
        lock (_gate)
        {
            return _runs.Values.OrderBy(r => r.CreatedAt).ThenBy(r => r.Id.Length).ThenBy(r => r.Id, StringComparer.Ordinal).Select(Summarize).ToList();
        }
    }

    /// <summary>One run.</summary>
    /// <exception cref="RejectionException">Unknown run.</exception>
    public RunSummary GetRun(string runId)
    {
        lock (_gate)
        {
            return Summarize(RequireRun(runId));
        }
    }

    /// <summary>The model spec of a run.</summary>
    public ModelSpec GetSpec(string runId)
    {
        lock (_gate)
        {
            return RequireRun(runId).Config.Spec;
        }
    }

    /// <summary>The parameter layout of a run's model.</summary>
    public ParameterLayout GetLayout(string runId)
    {
        lock (_gate)
        {
            return RequireRun(runId).Layout;
        }
    }

    /// <summary>Stops starting new rounds; an open round still collects updates and closes.</summary>
    public RunSummary Pause(string runId) => ChangeStatus(runId, RunStatus.Paused, [RunStatus.Running], "paused by an operator");

    /// <summary>Resumes a paused run.</summary>
    public RunSummary Resume(string runId) => ChangeStatus(runId, RunStatus.Running, [RunStatus.Paused], "resumed by an operator");

    /// <summary>Stops a run for good; an open round is abandoned.</summary>
    public RunSummary Stop(string runId) => ChangeStatus(runId, RunStatus.Stopped, [RunStatus.Running, RunStatus.Paused], "stopped by an operator");

    /// <summary>
    /// Registers an enrolled node with a run (the single active run when <paramref name="runId"/> is empty) and marks it
    /// connected.
    /// </summary>
    /// <exception cref="RejectionException">Unknown or revoked node, unknown run, or no single active run.</exception>
    public JoinResult Join(string nodeId, string? runId)
    {
        var events = new List<RoundEvent>();
        JoinResult result;
        lock (_gate)
        {
            RequireNode(nodeId);
            var run = string.IsNullOrEmpty(runId) ? RequireSingleActiveRun() : RequireRun(runId);
            MarkSeen(nodeId, run);
            StartRoundIfPossible(run, events);
            result = new JoinResult(Summarize(run), run.Config.Spec);
        }

        Publish(events);
        return result;
    }

    /// <summary>The node leaves a run: it is no longer connected to it nor selected.</summary>
    public void Leave(string nodeId, string runId)
    {
        lock (_gate)
        {
            var run = RequireRun(runId);
            run.Joined.Remove(nodeId);
            if (_presence.TryGetValue(nodeId, out var presence))
            {
                presence.Runs.Remove(runId);
            }
        }
    }

    /// <summary>Answers at once: the node's assignment in the open round if it was selected and has not answered yet.</summary>
    /// <remarks>Polling also joins the node to the run and counts as a heartbeat; it may start a round.</remarks>
    public AssignmentPoll PollAssignment(string nodeId, string runId)
    {
        var events = new List<RoundEvent>();
        AssignmentPoll poll;
        lock (_gate)
        {
            RequireNode(nodeId);
            var run = RequireRun(runId);
            MarkSeen(nodeId, run);
            StartRoundIfPossible(run, events);
            poll = AssignmentFor(run, nodeId);
        }

        Publish(events);
        return poll;
    }

    /// <summary>Like <see cref="PollAssignment"/>, but waits up to <paramref name="maxWait"/> for an assignment or the run's end.</summary>
    public async Task<AssignmentPoll> WaitForAssignmentAsync(string nodeId, string runId, TimeSpan maxWait, CancellationToken cancellationToken = default)
    {
        var until = _time.GetUtcNow() + maxWait;
        while (true)
        {
            Task changed;
            var poll = PollAssignment(nodeId, runId);
            var remaining = until - _time.GetUtcNow();
            if (poll.Assignment is not null || poll.RunEnded || remaining <= TimeSpan.Zero)
            {
                return poll;
            }

            lock (_gate)
            {
                changed = RequireRun(runId).Changed;
            }

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var delay = Task.Delay(remaining, _time, timeout.Token);
            await Task.WhenAny(changed, delay).ConfigureAwait(false);
            await timeout.CancelAsync().ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    /// <summary>
    /// Validates an update and folds it into its round's aggregate; closes the round when every selected node has
    /// answered. A retried upload (same node, round and upload id) is recognised and not counted again.
    /// </summary>
    /// <param name="authenticatedNodeId">The node the caller authenticated as, or null when the caller is trusted (in-memory use).</param>
    /// <param name="update">The update.</param>
    /// <exception cref="RejectionException">The update was rejected; nothing changed.</exception>
    public SubmitOutcome SubmitUpdate(string? authenticatedNodeId, NodeUpdate update)
    {
        ArgumentNullException.ThrowIfNull(update);
        var events = new List<RoundEvent>();
        try
        {
            lock (_gate)
            {
                return SubmitLocked(authenticatedNodeId, update, events);
            }
        }
        catch (RejectionException e)
        {
            _metrics?.UpdateRejected(e.Reason);
            RoundsLog.UpdateRejected(_logger, update.NodeId, update.RunId, update.Round, e.Reason, e.Message);
            events.Add(new RoundEvent(RoundEventKind.UpdateRejected, update.RunId, update.Round, -1, update.NodeId, $"{e.Reason}: {e.Message}", _time.GetUtcNow(), RunStatus.Running));
            throw;
        }
        finally
        {
            Publish(events);
        }
    }

    /// <summary>
    /// Merges a node's evaluation of a committed version into that version's federated evaluation metrics; a node's
    /// second evaluation of the same version is recognised and ignored.
    /// </summary>
    public SubmitOutcome SubmitEvaluation(string nodeId, string runId, long modelVersion, IReadOnlyList<TaskMetrics> metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        lock (_gate)
        {
            RequireNode(nodeId);
            var run = RequireRun(runId);
            if (modelVersion < 0 || modelVersion > run.Version)
            {
                throw new RejectionException(Rejection.FutureBaseVersion, $"version {modelVersion} does not exist; the latest is {run.Version}");
            }

            CheckMetrics(run.Config.Spec, metrics);
            var round = _store.RoundOfVersion(run.Id, modelVersion) ?? 0;
            if (!_store.TryInsertEvaluation(run.Id, modelVersion, nodeId))
            {
                return new SubmitOutcome(true, round, 0);
            }

            foreach (var metric in metrics)
            {
                var merged = TaskMetrics.FromArray(metric.TaskName, metric.ToArray());
                if (_store.LoadMetric(run.Id, EvalKind, round, metric.TaskName) is { } existing)
                {
                    var total = TaskMetrics.FromArray(metric.TaskName, existing);
                    total.Merge(merged);
                    merged = total;
                }

                _store.SaveMetric(new StoredMetric(run.Id, round, modelVersion, metric.TaskName, EvalKind, merged.ToArray()));
            }

            return new SubmitOutcome(false, round, 0);
        }
    }

    /// <summary>Closes rounds whose deadline passed and starts rounds that can start. Call it periodically.</summary>
    public void Tick()
    {
        var events = new List<RoundEvent>();
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            foreach (var run in _runs.Values)
            {
                if (run.OpenRound is { } open && now >= open.Deadline)
                {
                    if (open.Accepted.Count >= run.Config.EffectiveQuorum)
                    {
                        CommitLocked(run, events);
                    }
                    else
                    {
                        FailRoundLocked(run, events);
                    }
                }
                else
                {
                    StartRoundIfPossible(run, events);
                }
            }
        }

        Publish(events);
    }

    /// <summary>
    /// The parameters of a committed version. The current version of an active run is the engine's own instance:
    /// read it, never write it.
    /// </summary>
    /// <exception cref="RejectionException">Unknown run, or no such version.</exception>
    public ParameterSet GetModel(string runId, long version)
    {
        lock (_gate)
        {
            var run = RequireRun(runId);
            if (version == run.Version && run.Global is not null)
            {
                return run.Global;
            }

            if (version < 0 || version > run.Version)
            {
                throw new RejectionException(Rejection.FutureBaseVersion, $"run {runId} has versions 0–{run.Version}, not {version}");
            }

            return LoadVersion(run, version);
        }
    }

    /// <summary>Every round of a run.</summary>
    public IReadOnlyList<StoredRound> ListRounds(string runId)
    {
        lock (_gate)
        {
            var run = RequireRun(runId);
            var rounds = _store.LoadRounds(runId).ToList();
            if (run.OpenRound is { } open)
            {
                var index = rounds.FindIndex(r => r.Round == open.Round);
                if (index >= 0)
                {
                    rounds[index] = open.ToStored(run.Id, RoundState.Open);
                }
            }

            return rounds;
        }
    }

    /// <summary>Every stored metric of a run (train: per round; eval: per evaluated version).</summary>
    public IReadOnlyList<StoredMetric> GetMetrics(string runId)
    {
        lock (_gate)
        {
            RequireRun(runId);
            return _store.LoadMetrics(runId);
        }
    }

    /// <summary>Connection state of every node that called in since the start.</summary>
    public IReadOnlyList<NodePresence> ListPresence()
    {
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            return _presence.OrderBy(p => p.Key, StringComparer.Ordinal)
                .Select(p => new NodePresence(p.Key, p.Value.LastSeen, IsConnected(p.Value.LastSeen, p.Value.Runs, now), p.Value.Runs.Order(StringComparer.Ordinal).ToList()))
                .ToList();
        }
    }

    private SubmitOutcome SubmitLocked(string? authenticatedNodeId, NodeUpdate update, List<RoundEvent> events)
    {
        if (authenticatedNodeId is not null && !string.Equals(authenticatedNodeId, update.NodeId, StringComparison.Ordinal))
        {
            throw new RejectionException(Rejection.NodeMismatch, $"the update names node '{update.NodeId}' but the caller is '{authenticatedNodeId}'");
        }

        RequireNode(update.NodeId);
        var run = RequireRun(update.RunId);
        if (string.IsNullOrWhiteSpace(update.UploadId) || update.UploadId.Length > 128)
        {
            throw new RejectionException(Rejection.MalformedUpload, "the update needs an upload id of 1–128 characters");
        }

        var open = run.OpenRound;
        if (open is not null && open.Round == update.Round && open.Accepted.TryGetValue(update.NodeId, out var accepted) && accepted == update.UploadId)
        {
            return new SubmitOutcome(true, open.Round, open.Accepted.Count);
        }

        if ((open is null || update.Round < open.Round) && update.Round <= run.LastRound
            && _store.FindUpload(run.Id, update.Round, update.NodeId) == update.UploadId)
        {
            return new SubmitOutcome(true, update.Round, 0);
        }

        if (!run.IsActive)
        {
            throw new RejectionException(Rejection.RunNotActive, $"run {run.Id} is {run.Status.ToString().ToLowerInvariant()}");
        }

        if (open is null)
        {
            throw update.Round > run.LastRound
                ? new RejectionException(Rejection.FutureRound, $"round {update.Round} has not started; no round of run {run.Id} is open")
                : new RejectionException(Rejection.StaleRound, $"round {update.Round} is closed; no round of run {run.Id} is open");
        }

        if (update.Round < open.Round)
        {
            throw new RejectionException(Rejection.StaleRound, $"round {update.Round} is closed; the open round is {open.Round}");
        }

        if (update.Round > open.Round)
        {
            throw new RejectionException(Rejection.FutureRound, $"round {update.Round} has not started; the open round is {open.Round}");
        }

        if (update.BaseVersion < open.BaseVersion)
        {
            throw new RejectionException(Rejection.StaleBaseVersion, $"base version {update.BaseVersion} is stale; round {open.Round} trains version {open.BaseVersion}");
        }

        if (update.BaseVersion > open.BaseVersion)
        {
            throw new RejectionException(Rejection.FutureBaseVersion, $"base version {update.BaseVersion} does not exist yet; round {open.Round} trains version {open.BaseVersion}");
        }

        if (!open.SelectedSet.Contains(update.NodeId))
        {
            throw new RejectionException(Rejection.NotSelected, $"node '{update.NodeId}' was not selected for round {open.Round}");
        }

        if (open.Accepted.ContainsKey(update.NodeId))
        {
            throw new RejectionException(Rejection.AlreadySubmitted, $"node '{update.NodeId}' already had an update accepted in round {open.Round} under another upload id");
        }

        var spec = run.Config.Spec;
        if (update.Examples <= 0)
        {
            throw new RejectionException(Rejection.InvalidExampleCount, $"the update must count > 0 training examples, not {update.Examples}");
        }

        foreach (var (task, labelled) in update.TaskExamples)
        {
            if (spec.TaskIndex(task) < 0)
            {
                throw new RejectionException(Rejection.InvalidExampleCount, $"example count for unknown task '{task}'");
            }

            if (labelled < 0)
            {
                throw new RejectionException(Rejection.InvalidExampleCount, $"example count of task '{task}' is negative ({labelled})");
            }
        }

        CheckMetrics(spec, update.TrainingMetrics);
        var clip = run.Config.Training.ClipNorm;
        try
        {
            update.Delta.Validate(run.Layout, ParameterScope.Shared, clip > 0 ? clip : null);
        }
        catch (DeltaValidationException e)
        {
            throw new RejectionException(Map(e.Error), e.Message, e);
        }

        open.Aggregator.Add(update.Delta, new UpdateWeights(update.Examples, update.TaskExamples));
        open.Accepted[update.NodeId] = update.UploadId;
        _store.InsertUpload(run.Id, open.Round, update.NodeId, update.UploadId, update.Examples, _time.GetUtcNow());
        foreach (var metric in update.TrainingMetrics)
        {
            var copy = TaskMetrics.FromArray(metric.TaskName, metric.ToArray());
            if (open.TrainingMetrics.TryGetValue(metric.TaskName, out var total))
            {
                total.Merge(copy);
            }
            else
            {
                open.TrainingMetrics[metric.TaskName] = copy;
            }
        }

        _metrics?.UpdateAccepted(update.Delta.ValueCount);
        RoundsLog.UpdateAccepted(_logger, run.Id, open.Round, update.NodeId, update.UploadId, update.Examples);
        var count = open.Accepted.Count;
        events.Add(Event(RoundEventKind.UpdateAccepted, run, open.Round, update.NodeId, $"{count} of {open.Selected.Count} updates"));
        MarkSeen(update.NodeId, run);
        if (count == open.Selected.Count)
        {
            CommitLocked(run, events);
        }

        return new SubmitOutcome(false, update.Round, count);
    }

    private static void CheckMetrics(ModelSpec spec, IReadOnlyList<TaskMetrics> metrics)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var metric in metrics)
        {
            var index = spec.TaskIndex(metric.TaskName);
            if (index < 0)
            {
                throw new RejectionException(Rejection.InvalidMetrics, $"metrics for unknown task '{metric.TaskName}'");
            }

            if (!seen.Add(metric.TaskName))
            {
                throw new RejectionException(Rejection.InvalidMetrics, $"metrics for task '{metric.TaskName}' appear twice");
            }

            var expected = spec.Tasks[index].Kind == TaskKind.Binary ? MetricSummaryKind.Binary : MetricSummaryKind.Regression;
            if (metric.Kind != expected && metric.Kind != MetricSummaryKind.Ranking)
            {
                throw new RejectionException(Rejection.InvalidMetrics, $"metrics for task '{metric.TaskName}' are {metric.Kind}, expected {expected}");
            }
        }
    }

    private static Rejection Map(DeltaValidationError error) => error switch
    {
        DeltaValidationError.MissingTensor => Rejection.MissingTensor,
        DeltaValidationError.UnexpectedTensor => Rejection.UnexpectedTensor,
        DeltaValidationError.WrongShape => Rejection.WrongShape,
        DeltaValidationError.RowOutOfRange => Rejection.RowOutOfRange,
        DeltaValidationError.NonFinite => Rejection.NonFinite,
        DeltaValidationError.NormTooLarge => Rejection.NormTooLarge,
        _ => Rejection.MalformedUpload,
    };

    private void CommitLocked(RunSession run, List<RoundEvent> events)
    {
        var open = run.OpenRound!;
        var next = open.Aggregator.Finish();
        var version = run.Version + 1;
        var now = _time.GetUtcNow();
        var status = version >= run.Config.Rounds ? RunStatus.Completed : run.Status;
        var metrics = open.TrainingMetrics.Values
            .Select(m => new StoredMetric(run.Id, open.Round, open.BaseVersion, m.TaskName, TrainKind, m.ToArray()))
            .ToList();

        // Stored before it is announced: a crash after this line resumes from the new version.
        _store.CommitRound(open.ToStored(run.Id, RoundState.Committed, now, version), version, next.Values, metrics, status);
        run.Global = next;
        run.Version = version;
        run.OpenRound = null;
        run.ConsecutiveFailures = 0;
        _metrics?.RoundCommitted(now - open.StartedAt);
        RoundsLog.RoundCommitted(_logger, run.Id, open.Round, version, open.Accepted.Count);
        events.Add(Event(RoundEventKind.RoundCommitted, run, open.Round, "", $"version {version} from {open.Accepted.Count} updates"));
        if (status != run.Status)
        {
            run.Status = status;
            run.Message = $"completed {version} rounds";
            _store.UpdateRun(run.Id, status, 0, run.Message);
            RoundsLog.RunStateChanged(_logger, run.Id, status, run.Message);
            events.Add(Event(RoundEventKind.RunStateChanged, run, open.Round, "", run.Message));
        }

        run.Signal();
        StartRoundIfPossible(run, events);
    }

    private void FailRoundLocked(RunSession run, List<RoundEvent> events)
    {
        var open = run.OpenRound!;
        var now = _time.GetUtcNow();
        _store.SaveRound(open.ToStored(run.Id, RoundState.Failed, now));
        run.OpenRound = null;
        run.ConsecutiveFailures++;
        _metrics?.RoundFailed();
        RoundsLog.RoundFailed(_logger, run.Id, open.Round, open.Accepted.Count, run.Config.EffectiveQuorum);
        events.Add(Event(RoundEventKind.RoundFailed, run, open.Round, "", $"{open.Accepted.Count} of {run.Config.EffectiveQuorum} updates by the deadline"));
        if (run.Config.OnNoQuorum == NoQuorumPolicy.Fail || run.ConsecutiveFailures > run.Config.MaxRetries)
        {
            run.Status = RunStatus.Failed;
            run.Message = $"round {open.Round} ended without quorum ({open.Accepted.Count} of {run.Config.EffectiveQuorum} updates)"
                + (run.Config.OnNoQuorum == NoQuorumPolicy.Retry ? $" after {run.Config.MaxRetries} retries" : "");
            RoundsLog.RunStateChanged(_logger, run.Id, run.Status, run.Message);
            events.Add(Event(RoundEventKind.RunStateChanged, run, open.Round, "", run.Message));
        }

        _store.UpdateRun(run.Id, run.Status, run.ConsecutiveFailures, run.Message);
        run.Signal();
        StartRoundIfPossible(run, events);
    }

    private void StartRoundIfPossible(RunSession run, List<RoundEvent> events)
    {
        if (run.Status != RunStatus.Running || run.OpenRound is not null || run.Version >= run.Config.Rounds)
        {
            return;
        }

        var now = _time.GetUtcNow();
        var eligible = new List<string>();
        foreach (var nodeId in run.Joined.Order(StringComparer.Ordinal))
        {
            if (_presence.TryGetValue(nodeId, out var presence) && IsConnected(presence.LastSeen, presence.Runs, now)
                && _store.FindNode(nodeId) is { Revoked: false })
            {
                eligible.Add(nodeId);
            }
        }

        var config = run.Config;
        if (eligible.Count < config.MinClients)
        {
            return;
        }

        var wanted = config.NodesPerRound ?? (config.FractionPerRound is { } fraction ? (int)Math.Ceiling(fraction * eligible.Count) : eligible.Count);
        wanted = Math.Min(Math.Max(wanted, config.MinClients), eligible.Count);
        var round = run.LastRound + 1;

        // Deterministic for a seed and round: a partial Fisher–Yates shuffle of the sorted eligible ids.
        var random = new Xoshiro256StarStar(unchecked((config.Seed * 7919) + (int)round), threadSafe: false);
        for (var i = 0; i < wanted; i++)
        {
            var j = i + random.Next(eligible.Count - i);
            (eligible[i], eligible[j]) = (eligible[j], eligible[i]);
        }

        var selected = eligible.Take(wanted).Order(StringComparer.Ordinal).ToList();
        var open = new RoundSession(round, run.Version, selected, now, now + DeadlineOf(config), run.Strategy.BeginRound(run.Global!));
        _store.SaveRound(open.ToStored(run.Id, RoundState.Open));
        run.LastRound = round;
        run.OpenRound = open;
        RoundsLog.RoundStarted(_logger, run.Id, round, run.Version, selected.Count, open.Deadline);
        events.Add(Event(RoundEventKind.RoundStarted, run, round, "", "selected " + string.Join(", ", selected)));
        run.Signal();
    }

    private RunSummary ChangeStatus(string runId, RunStatus status, RunStatus[] from, string message)
    {
        var events = new List<RoundEvent>();
        RunSummary summary;
        lock (_gate)
        {
            var run = RequireRun(runId);
            if (!from.Contains(run.Status))
            {
                throw new InvalidOperationException($"run {runId} is {run.Status.ToString().ToLowerInvariant()}, so it cannot be {status.ToString().ToLowerInvariant()}");
            }

            run.Status = status;
            run.Message = message;
            if (status == RunStatus.Stopped && run.OpenRound is { } open)
            {
                _store.SaveRound(open.ToStored(run.Id, RoundState.Abandoned, _time.GetUtcNow()));
                run.OpenRound = null;
            }

            _store.UpdateRun(run.Id, status, run.ConsecutiveFailures, message);
            RoundsLog.RunStateChanged(_logger, run.Id, status, message);
            events.Add(Event(RoundEventKind.RunStateChanged, run, run.LastRound, "", message));
            run.Signal();
            StartRoundIfPossible(run, events);
            summary = Summarize(run);
        }

        Publish(events);
        return summary;
    }

    private static RunSession NewSession(string id, RunConfig config, DateTimeOffset createdAt)
    {
        var layout = ParameterLayout.FromSpec(config.Spec);
        return new RunSession(id, config, layout, AggregationStrategies.Create(config.Strategy, CompiledModel.Compile(config.Spec)), createdAt);
    }

    private ParameterSet LoadVersion(RunSession run, long version)
    {
        var values = _store.LoadVersion(run.Id, version)
            ?? throw new RejectionException(Rejection.FutureBaseVersion, $"run {run.Id} has no stored version {version}");
        return new ParameterSet(run.Layout, values);
    }

    private static TimeSpan DeadlineOf(RunConfig config) => TimeSpan.FromSeconds(config.RoundDeadlineSeconds);

    private static AssignmentPoll AssignmentFor(RunSession run, string nodeId)
    {
        if (run.OpenRound is { } open && open.SelectedSet.Contains(nodeId) && !open.Accepted.ContainsKey(nodeId) && run.IsActive)
        {
            return new AssignmentPoll(new Assignment(run.Id, open.Round, open.BaseVersion, open.Deadline, run.Config.Training), run.Status);
        }

        return new AssignmentPoll(null, run.Status);
    }

    private void MarkSeen(string nodeId, RunSession run)
    {
        if (!_presence.TryGetValue(nodeId, out var presence))
        {
            presence = (_time.GetUtcNow(), new HashSet<string>(StringComparer.Ordinal));
        }

        presence.Runs.Add(run.Id);
        _presence[nodeId] = (_time.GetUtcNow(), presence.Runs);
        run.Joined.Add(nodeId);
    }

    private bool IsConnected(DateTimeOffset lastSeen, HashSet<string> runs, DateTimeOffset now) =>
        runs.Count > 0 && now - lastSeen <= _options.NodeLivenessTimeout;

    private void RequireNode(string nodeId)
    {
        var node = _store.FindNode(nodeId ?? "") ?? throw new RejectionException(Rejection.UnknownNode, $"no node '{nodeId}' is enrolled");
        if (node.Revoked)
        {
            throw new RejectionException(Rejection.NodeRevoked, $"the token of node '{nodeId}' was revoked");
        }
    }

    private RunSession RequireRun(string runId) =>
        _runs.TryGetValue(runId ?? "", out var run) ? run : throw new RejectionException(Rejection.UnknownRun, $"no run '{runId}'");

    private RunSession RequireSingleActiveRun()
    {
        var active = _runs.Values.Where(r => r.IsActive).ToList();
        return active.Count switch
        {
            0 => throw new RejectionException(Rejection.UnknownRun, "no run is active; an operator must start one"),
            1 => active[0],
            _ => throw new RejectionException(Rejection.UnknownRun, $"{active.Count} runs are active ({string.Join(", ", active.Select(r => r.Id))}); name one"),
        };
    }

    private RunSummary Summarize(RunSession run) =>
        new(run.Id, run.Config.Name, run.Status, run.Version, run.Config.Rounds, run.OpenRound?.Round ?? run.LastRound, run.Strategy.Name, run.CreatedAt, run.ConfigJson, run.Message, run.Layout.Fingerprint);

    private RoundEvent Event(RoundEventKind kind, RunSession run, long round, string nodeId, string message) =>
        new(kind, run.Id, round, run.Version, nodeId, message, _time.GetUtcNow(), run.Status);

    private void Publish(List<RoundEvent> events)
    {
        if (events.Count == 0)
        {
            return;
        }

        Action<RoundEvent>[] handlers;
        lock (_subscribers)
        {
            handlers = [.. _subscribers];
        }

        foreach (var e in events)
        {
            foreach (var handler in handlers)
            {
                handler(e);
            }
        }
    }

    private sealed class Subscription(RoundEngine engine, Action<RoundEvent> handler) : IDisposable
    {
        public void Dispose()
        {
            lock (engine._subscribers)
            {
                engine._subscribers.Remove(handler);
            }
        }
    }
}
