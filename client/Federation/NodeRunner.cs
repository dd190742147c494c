using Federated.Client.Data;
using Federated.Client.Training;
using Federated.Model.Metrics;
using Federated.Model.Parameters;
using Federated.Model.Spec;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Federated.Client.Federation;

/// <summary>
/// A node's life in a run, in plain C# over <see cref="ICoordinatorConnection"/>: join, then for every assignment
/// download the global version, train locally, submit the update; evaluate every new global version on the local
/// validation split and report it; leave when the run ends.
/// </summary>
/// <remarks>
/// <para>
/// Robustness: a call that fails because the coordinator is unreachable (<see cref="CoordinatorUnavailableException"/>)
/// is retried with exponential backoff and jitter (<see cref="RetryBackoff"/>); an upload keeps its id across retries
/// and restarts (<see cref="UploadId"/>), so the coordinator never counts it twice. A refused update
/// (<see cref="UpdateRejectedException"/>, e.g. the round closed first) is reported and the node waits for the next round.
/// </para>
/// <para>
/// Stopping: when the token passed to <see cref="RunAsync"/> is cancelled, waits and retry delays end at once, but a
/// round being trained and uploaded is finished first; then the node leaves the run. Local tensors are saved
/// atomically after every trained round and the last global version beside them (<see cref="GlobalModelStore"/>),
/// so a restarted node continues where it stopped.
/// </para>
/// </remarks>
public sealed class NodeRunner
{
    private readonly ICoordinatorConnection _connection;
    private readonly Func<ModelSpec, NodeDataset> _loadData;
    private readonly NodeRunnerOptions _options;
    private readonly IProgress<NodeProgress>? _progress;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;

    /// <summary>Creates the runner; nothing happens until <see cref="RunAsync"/>.</summary>
    /// <param name="connection">The coordinator.</param>
    /// <param name="loadData">Reads and encodes the node's data for the run's model (known only after joining).</param>
    /// <param name="options">Settings; defaults when null.</param>
    /// <param name="progress">Receives every step, synchronously, on the runner's thread.</param>
    /// <param name="logger">Logs steps and per-round metrics.</param>
    /// <param name="time">The clock for delays; the system clock when null.</param>
    public NodeRunner(
        ICoordinatorConnection connection,
        Func<ModelSpec, NodeDataset> loadData,
        NodeRunnerOptions? options = null,
        IProgress<NodeProgress>? progress = null,
        ILogger<NodeRunner>? logger = null,
        TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(loadData);
        _connection = connection;
        _loadData = loadData;
        _options = options ?? new NodeRunnerOptions();
        _progress = progress;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Runs until the run ends or <paramref name="stoppingToken"/> is cancelled.</summary>
    /// <returns>What the node did; <see cref="NodeRunSummary.Completed"/> tells an ended run from a stop.</returns>
    /// <exception cref="UpdateRejectedException">The coordinator refused the node (unknown or revoked token, no such run).</exception>
    /// <exception cref="CoordinatorUnavailableException">Unreachable after <see cref="NodeRunnerOptions.MaxRetries"/> retries.</exception>
    /// <exception cref="InvalidOperationException">The coordinator's model layout is not the one this node computes from the spec.</exception>
    /// <exception cref="DataFormatException">The node's data does not fit the run's model.</exception>
    /// <exception cref="LocalStateException">The state directory holds the state of another model.</exception>
    /// <exception cref="OperationCanceledException">Stopped before the node had joined.</exception>
    public async Task<NodeRunSummary> RunAsync(CancellationToken stoppingToken = default)
    {
        var join = await RetryAsync("join", ct => _connection.JoinAsync(_options.RunId, ct), stoppingToken, stoppingToken).ConfigureAwait(false);
        var layout = ParameterLayout.FromSpec(join.Spec);
        if (layout.Fingerprint != join.LayoutFingerprint)
        {
            throw new InvalidOperationException(
                $"run '{join.RunId}' has model layout {join.LayoutFingerprint}, but this node computes {layout.Fingerprint} from its spec: the node's and the coordinator's versions of Federated disagree");
        }

        NodeRunnerLog.Joined(_logger, join.RunId, join.NodeId, join.ModelVersion);
        Report(new NodeProgress(NodeProgressKind.Joined, null, join.ModelVersion, $"joined run {join.RunId} as {join.NodeId} (model version {join.ModelVersion})"));

        var data = _loadData(join.Spec);
        using var session = new NodeTrainingSession(data, _options.StateDirectory, _options.Training);
        var resumedFrom = session.LastRound;
        if (resumedFrom is { } last)
        {
            NodeRunnerLog.Resumed(_logger, last, session.ModelVersion);
            Report(new NodeProgress(NodeProgressKind.Resumed, last, session.ModelVersion, $"resuming with the local state of round {last}"));
        }

        var state = new RunState(join, session, new ParameterSet(layout));
        try
        {
            await RefreshAsync(state, join.ModelVersion, stoppingToken).ConfigureAwait(false);
            while (true)
            {
                stoppingToken.ThrowIfCancellationRequested();
                var asked = _time.GetTimestamp();
                var offer = await RetryAsync("wait for an assignment", ct => _connection.WaitForAssignmentAsync(join.RunId, _options.MaxWait, ct), stoppingToken, stoppingToken).ConfigureAwait(false);
                if (offer.Status == AssignmentStatus.RunEnded)
                {
                    break;
                }

                if (offer.Status == AssignmentStatus.Wait || offer.Assignment is null)
                {
                    // A coordinator that answers at once (it holds polls for less than asked) must not be polled in a spin.
                    if (_time.GetElapsedTime(asked) < _options.MaxWait / 2)
                    {
                        await DelayAsync(_options.IdlePollInterval, stoppingToken).ConfigureAwait(false);
                    }

                    continue;
                }

                var assignment = offer.Assignment;
                if (assignment.ModelVersion != state.GlobalVersion)
                {
                    await RefreshAsync(state, assignment.ModelVersion, stoppingToken).ConfigureAwait(false);
                }

                // One step: train and upload are finished even when a stop is requested meanwhile.
                await TrainAndSubmitAsync(state, assignment, stoppingToken).ConfigureAwait(false);
            }

            // The run ended: evaluate its final version, which no assignment named.
            var final = await RetryAsync("join", ct => _connection.JoinAsync(join.RunId, ct), stoppingToken, stoppingToken).ConfigureAwait(false);
            if (final.ModelVersion != state.GlobalVersion)
            {
                await RefreshAsync(state, final.ModelVersion, stoppingToken).ConfigureAwait(false);
            }

            await LeaveAsync(join.RunId).ConfigureAwait(false);
            NodeRunnerLog.RunEnded(_logger, join.RunId, state.GlobalVersion ?? join.ModelVersion, state.RoundsTrained);
            Report(new NodeProgress(NodeProgressKind.RunEnded, session.LastRound, state.GlobalVersion, $"run {join.RunId} ended at model version {state.GlobalVersion}; trained {state.RoundsTrained} rounds"));
            return Summarize(state, completed: true, resumedFrom);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            await LeaveAsync(join.RunId).ConfigureAwait(false);
            NodeRunnerLog.Stopped(_logger, session.LastRound);
            Report(new NodeProgress(NodeProgressKind.Stopped, session.LastRound, state.GlobalVersion, $"stopped; local state saved up to round {session.LastRound?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}"));
            return Summarize(state, completed: false, resumedFrom);
        }
    }

    private static NodeRunSummary Summarize(RunState state, bool completed, long? resumedFrom) =>
        new(state.Join.RunId, state.Join.NodeId, state.RoundsTrained, state.GlobalVersion ?? state.Join.ModelVersion, completed, resumedFrom, state.Validation);

    private async Task TrainAndSubmitAsync(RunState state, TrainingAssignment assignment, CancellationToken stoppingToken)
    {
        var update = state.Session.Train(assignment, state.Global, CancellationToken.None);
        var figures = MetricsText.Format(update.TrainingMetrics);
        NodeRunnerLog.Trained(_logger, assignment.Round, assignment.ModelVersion, update.ExampleCount, update.Steps, update.NormBeforeClip, figures);
        Report(new NodeProgress(NodeProgressKind.Trained, assignment.Round, assignment.ModelVersion, $"round {assignment.Round}: trained on {update.ExampleCount} examples ({update.Steps} steps), train {figures}", update.TrainingMetrics));

        var uploadId = UploadId.For(state.Join.NodeId, state.Join.RunId, assignment.Round, assignment.ModelVersion);
        try
        {
            // The upload in flight is not cancelled by a stop; only the waits between its retries are.
            var result = await RetryAsync($"upload of round {assignment.Round}", ct => _connection.SubmitUpdateAsync(state.Join.RunId, uploadId, update, ct), CancellationToken.None, stoppingToken).ConfigureAwait(false);
            state.RoundsTrained++;
            NodeRunnerLog.Submitted(_logger, assignment.Round, uploadId, result.Duplicate);
            Report(new NodeProgress(NodeProgressKind.Submitted, assignment.Round, assignment.ModelVersion, result.Duplicate ? $"round {assignment.Round}: update already counted" : $"round {assignment.Round}: update accepted"));
        }
        catch (UpdateRejectedException e)
        {
            NodeRunnerLog.Rejected(_logger, $"the update of round {assignment.Round}", e.Reason, e.Message);
            Report(new NodeProgress(NodeProgressKind.Rejected, assignment.Round, assignment.ModelVersion, $"round {assignment.Round}: update refused ({e.Reason}); waiting for the next round"));
        }
    }

    /// <summary>Downloads <paramref name="version"/>, keeps it beside the local state, evaluates it and reports the metrics.</summary>
    private async Task RefreshAsync(RunState state, long version, CancellationToken stoppingToken)
    {
        await RetryAsync($"download of version {version}", async ct =>
        {
            await _connection.DownloadModelAsync(state.Join.RunId, version, state.Global, ct).ConfigureAwait(false);
            return true;
        }, stoppingToken, stoppingToken).ConfigureAwait(false);
        state.GlobalVersion = version;
        GlobalModelStore.Save(Path.Combine(_options.StateDirectory, GlobalModelStore.FileName), state.Join.RunId, version, state.Join.Spec, state.Global);
        NodeRunnerLog.Downloaded(_logger, version);
        Report(new NodeProgress(NodeProgressKind.Downloaded, null, version, $"downloaded model version {version}"));

        if (state.Session.Data.Split.Validation.Length == 0)
        {
            return;
        }

        state.Session.LoadShared(state.Global, version);
        var metrics = state.Session.Evaluate(DataPart.Validation);
        state.Validation = metrics;
        var figures = MetricsText.Format(metrics);
        NodeRunnerLog.Evaluated(_logger, version, figures);
        Report(new NodeProgress(NodeProgressKind.Evaluated, null, version, $"version {version} on local validation data: {figures}", metrics));
        try
        {
            await RetryAsync($"evaluation of version {version}", ct => _connection.SubmitEvaluationAsync(state.Join.RunId, version, metrics, ct), CancellationToken.None, stoppingToken).ConfigureAwait(false);
        }
        catch (UpdateRejectedException e)
        {
            NodeRunnerLog.Rejected(_logger, $"the evaluation of version {version}", e.Reason, e.Message);
            Report(new NodeProgress(NodeProgressKind.Rejected, null, version, $"evaluation of version {version} refused ({e.Reason})"));
        }
    }

    private async Task<T> RetryAsync<T>(string what, Func<CancellationToken, Task<T>> call, CancellationToken callToken, CancellationToken delayToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await call(callToken).ConfigureAwait(false);
            }
            catch (CoordinatorUnavailableException e) when (_options.MaxRetries == 0 || attempt <= _options.MaxRetries)
            {
                var delay = RetryBackoff.Delay(attempt, _options.InitialBackoff, _options.MaxBackoff, _options.Jitter?.Invoke() ?? Random.Shared.NextDouble());
                NodeRunnerLog.Retrying(_logger, what, attempt, delay, e.Message);
                Report(new NodeProgress(NodeProgressKind.Retrying, null, null, $"{what}: coordinator unreachable, retry {attempt} in {delay.TotalSeconds:0.#} s"));
                await DelayAsync(delay, delayToken).ConfigureAwait(false);
            }
        }
    }

    private Task DelayAsync(TimeSpan delay, CancellationToken cancellationToken) =>
        _options.Delay is { } custom ? custom(delay, cancellationToken) : Task.Delay(delay, _time, cancellationToken);

    private async Task LeaveAsync(string runId)
    {
        // Best effort, briefly: the coordinator also forgets a silent node after its liveness timeout.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5), _time);
        try
        {
            await _connection.LeaveAsync(runId, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is CoordinatorUnavailableException or UpdateRejectedException or OperationCanceledException)
        {
            NodeRunnerLog.LeaveFailed(_logger, runId, e.Message);
        }
    }

    private void Report(NodeProgress progress) => _progress?.Report(progress);

    private sealed class RunState(FederationJoin join, NodeTrainingSession session, ParameterSet global)
    {
        public FederationJoin Join { get; } = join;

        public NodeTrainingSession Session { get; } = session;

        public ParameterSet Global { get; } = global;

        public long? GlobalVersion { get; set; }

        public int RoundsTrained { get; set; }

        public IReadOnlyList<TaskMetrics> Validation { get; set; } = [];
    }
}
