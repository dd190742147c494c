using Federated.Client.Data;
using Federated.Client.Training;
using Federated.Model.Metrics;
using Federated.Model.Parameters;
using Federated.Model.Training;
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
/// is retried with exponential backoff and jitter (<see cref="CoordinatorRetry"/>). A round is one
/// <see cref="NodeRoundStep"/>: an upload keeps its id across retries and restarts (<see cref="UploadId"/>), so the
/// coordinator never counts it twice, and a refused update (<see cref="UpdateRejectedException"/>, e.g. the round
/// closed first) is reported and the node waits for the next round.
/// </para>
/// <para>
/// Stopping: when the token passed to <see cref="RunAsync"/> is cancelled, waits and retry delays end at once, but a
/// round being trained and uploaded is finished first; then the node leaves the run. Local tensors are saved
/// atomically after every trained round and the last global version beside them (<see cref="GlobalModelStore"/>),
/// so a restarted node continues where it stopped.
/// </para>
/// <para>
/// New data: with <see cref="NodeRunnerOptions.DataChanged"/> the runner asks before each assigned round whether the
/// node's data changed, and if so loads it again and trains from that round on a new session over it (the local
/// tensors come back from the state saved after the previous round).
/// </para>
/// </remarks>
public sealed class NodeRunner
{
    private readonly ICoordinatorConnection _connection;
    private readonly Func<CompiledModel, NodeDataset> _loadData;
    private readonly NodeRunnerOptions _options;
    private readonly IProgress<NodeProgress>? _progress;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly CoordinatorRetry _retry;

    /// <summary>Creates the runner; nothing happens until <see cref="RunAsync"/>.</summary>
    /// <param name="connection">The coordinator.</param>
    /// <param name="loadData">
    /// Reads and encodes the node's data for the run's model (known only after joining; compiled once, by the join, and
    /// given here so the data, the session and the uploads all share it), e.g. <c>m =&gt; NodeDataset.Load(source, m)</c>.
    /// </param>
    /// <param name="options">Settings; defaults when null.</param>
    /// <param name="progress">Receives every step, synchronously, on the runner's thread.</param>
    /// <param name="logger">Logs steps and per-round metrics.</param>
    /// <param name="time">The clock for delays; the system clock when null.</param>
    public NodeRunner(
        ICoordinatorConnection connection,
        Func<CompiledModel, NodeDataset> loadData,
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
        _retry = new CoordinatorRetry(_options.Retry(), _time, _logger, _progress);
    }

    /// <summary>Runs until the run ends or <paramref name="stoppingToken"/> is cancelled.</summary>
    /// <returns>What the node did; <see cref="NodeRunSummary.Completed"/> tells an ended run from a stop.</returns>
    /// <exception cref="UpdateRejectedException">The coordinator refused the node (unknown or revoked token, no such run; a revocation at any call ends the run here, <see cref="UpdateRejectedException.IsRevocation"/>).</exception>
    /// <exception cref="CoordinatorUnavailableException">Unreachable after <see cref="NodeRunnerOptions.MaxRetries"/> retries, or for <see cref="NodeRunnerOptions.FirstJoinTimeout"/> before the first join.</exception>
    /// <exception cref="InvalidOperationException">The coordinator's model layout is not the one this node computes from the spec.</exception>
    /// <exception cref="DataFormatException">The node's data does not fit the run's model, or was encoded for another model.</exception>
    /// <exception cref="LocalStateException">The state directory holds the state of another model.</exception>
    /// <exception cref="OperationCanceledException">Stopped before the node had joined; or cancelled by something other than <paramref name="stoppingToken"/> (a failure, not a stop).</exception>
    /// <remarks>A failure after the join (except an unreachable coordinator or a revoked token) first leaves the run with <see cref="LeaveReason.Error"/> and the failure's message.</remarks>
    public async Task<NodeRunSummary> RunAsync(CancellationToken stoppingToken = default)
    {
        var giveUp = _options.FirstJoinTimeout == Timeout.InfiniteTimeSpan ? (TimeSpan?)null : _options.FirstJoinTimeout;
        var join = await _retry.RunAsync("join", ct => _connection.JoinAsync(_options.RunId, ct), stoppingToken, stoppingToken, giveUp).ConfigureAwait(false);
        if (join.Model.Fingerprint != join.LayoutFingerprint)
        {
            throw new InvalidOperationException(
                $"run '{join.RunId}' has model layout {join.LayoutFingerprint}, but this node computes {join.Model.Fingerprint} from its spec: the node's and the coordinator's versions of Federated disagree");
        }

        NodeRunnerLog.Joined(_logger, join.RunId, join.NodeId, join.ModelVersion);
        Report(new NodeProgress(NodeProgressKind.Joined, null, join.ModelVersion, $"joined run {join.RunId} as {join.NodeId} (model version {join.ModelVersion}{Spent(join.Privacy, "; private: ")})"));
        try
        {
            return await RunJoinedAsync(join, stoppingToken).ConfigureAwait(false);
        }
        catch (Exception e) when (!(e is OperationCanceledException && stoppingToken.IsCancellationRequested) && e is not CoordinatorUnavailableException && !(e is UpdateRejectedException { IsRevocation: true }))
        {
            // The node cannot go on (its data does not fit the run, its state is another run's, …): say so to the
            // coordinator, so that it stops counting on this node, then fail. Unreachable or revoked: nobody to tell.
            await LeaveAsync(join.RunId, LeaveReason.Error, e.Message).ConfigureAwait(false);
            throw;
        }
    }

    private async Task<NodeRunSummary> RunJoinedAsync(FederationJoin join, CancellationToken stoppingToken)
    {
        var model = join.Model;

        // The data is checked against the run's spec, and the state directory claimed for the run, before the first poll:
        // a node that cannot take part must not be selected for a round.
        var data = _loadData(model);
        if (data.Model.Fingerprint != model.Fingerprint)
        {
            throw new DataFormatException($"the node's data is encoded for model layout {data.Model.Fingerprint}, but run '{join.RunId}' has {model.Fingerprint}");
        }

        if (StateDirectoryClaim.Claim(_options.StateDirectory, join.RunId, model.Fingerprint, _options.FreshState, _time) is { } aside)
        {
            NodeRunnerLog.Discarded(_logger, aside);
            Report(new NodeProgress(NodeProgressKind.Discarded, null, null, $"--fresh: moved the previous state to {aside}"));
        }

        var session = new NodeTrainingSession(data, _options.StateDirectory, _options.Training);
        var resumedFrom = session.LastRound;
        if (resumedFrom is { } last)
        {
            NodeRunnerLog.Resumed(_logger, last, session.ModelVersion);
            Report(new NodeProgress(NodeProgressKind.Resumed, last, session.ModelVersion, $"resuming with the local state of round {last}"));
        }

        var state = new RunState(join, session, new ParameterSet(model.Layout), new NodeRoundStep(_connection, join, _retry, _logger, _progress));
        try
        {
            return await RunRoundsAsync(state, resumedFrom, stoppingToken).ConfigureAwait(false);
        }
        finally
        {
            // The session may have been replaced by a reload of the data: dispose whichever is current.
            state.Session.Dispose();
        }
    }

    private async Task<NodeRunSummary> RunRoundsAsync(RunState state, long? resumedFrom, CancellationToken stoppingToken)
    {
        var join = state.Join;
        try
        {
            await RefreshAsync(state, join.ModelVersion, join.Privacy, stoppingToken).ConfigureAwait(false);
            while (true)
            {
                stoppingToken.ThrowIfCancellationRequested();
                var asked = _time.GetTimestamp();
                var offer = await _retry.RunAsync("wait for an assignment", ct => _connection.WaitForAssignmentAsync(join.RunId, _options.MaxWait, ct), stoppingToken, stoppingToken).ConfigureAwait(false);
                if (offer.Status == AssignmentStatus.RunEnded)
                {
                    break;
                }

                if (offer.Status == AssignmentStatus.Wait || offer.Assignment is null)
                {
                    // A coordinator that answers at once (it holds polls for less than asked) must not be polled in a spin.
                    if (_time.GetElapsedTime(asked) < _options.MaxWait / 2)
                    {
                        await _retry.DelayAsync(_options.IdlePollInterval, stoppingToken).ConfigureAwait(false);
                    }

                    continue;
                }

                var assignment = offer.Assignment;
                if (assignment.LabelStatisticsTasks is not null)
                {
                    if (assignment.Round == state.RefusedStatisticsRound)
                    {
                        // Refused statistics are offered again until the round closes; the same data would be refused again.
                        await _retry.DelayAsync(_options.IdlePollInterval, stoppingToken).ConfigureAwait(false);
                        continue;
                    }

                    // The label-statistics round trains nothing and needs no model: only the training labels' counts and sums.
                    if (_options.DataChanged?.Invoke() == true)
                    {
                        ReloadData(state, assignment.Round);
                    }

                    var sent = await state.Step.SubmitLabelStatisticsAsync(state.Session.Data, assignment, stoppingToken).ConfigureAwait(false);
                    state.RefusedStatisticsRound = sent.Counted ? null : assignment.Round;
                    continue;
                }

                if (assignment.ModelVersion != state.GlobalVersion)
                {
                    await RefreshAsync(state, assignment.ModelVersion, offer.Privacy, stoppingToken).ConfigureAwait(false);
                }

                if (_options.DataChanged?.Invoke() == true)
                {
                    ReloadData(state, assignment.Round);
                }

                // One step: train and upload are finished even when a stop is requested meanwhile.
                await TrainAndSubmitAsync(state, assignment, stoppingToken).ConfigureAwait(false);
            }

            // The run ended: evaluate its final version, which no assignment named.
            var final = await _retry.RunAsync("join", ct => _connection.JoinAsync(join.RunId, ct), stoppingToken, stoppingToken).ConfigureAwait(false);
            if (final.ModelVersion != state.GlobalVersion)
            {
                await RefreshAsync(state, final.ModelVersion, final.Privacy, stoppingToken).ConfigureAwait(false);
            }

            await LeaveAsync(join.RunId, LeaveReason.RunEnded, null).ConfigureAwait(false);
            NodeRunnerLog.RunEnded(_logger, join.RunId, state.GlobalVersion ?? join.ModelVersion, state.RoundsTrained);
            Report(new NodeProgress(NodeProgressKind.RunEnded, state.Session.LastRound, state.GlobalVersion, $"run {join.RunId} ended at model version {state.GlobalVersion}{Spent(final.Privacy, " (", ")")}; trained {state.RoundsTrained} rounds"));
            return Summarize(state, completed: true, resumedFrom);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            await LeaveAsync(join.RunId, LeaveReason.Stopped, null).ConfigureAwait(false);
            NodeRunnerLog.Stopped(_logger, state.Session.LastRound);
            Report(new NodeProgress(NodeProgressKind.Stopped, state.Session.LastRound, state.GlobalVersion, $"stopped; local state saved up to round {state.Session.LastRound?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}"));
            return Summarize(state, completed: false, resumedFrom);
        }
    }

    /// <summary>
    /// Reads the data again and continues on a new session over it: the local tensors come back from the state directory
    /// (saved after every trained round), the shared ones with the next assignment.
    /// </summary>
    private void ReloadData(RunState state, long round)
    {
        var before = state.Session.Data;
        var after = _loadData(state.Join.Model);
        if (after.Model.Fingerprint != state.Join.Model.Fingerprint)
        {
            throw new DataFormatException($"the node's reloaded data is encoded for model layout {after.Model.Fingerprint}, but run '{state.Join.RunId}' has {state.Join.Model.Fingerprint}");
        }

        var session = new NodeTrainingSession(after, _options.StateDirectory, _options.Training);
        state.Session.Dispose();
        state.Session = session;
        NodeRunnerLog.DataChanged(_logger, before.Table.Count, after.Table.Count, before.Split.Train.Length, after.Split.Train.Length, round);
        Report(new NodeProgress(NodeProgressKind.DataChanged, round, null, string.Create(
            System.Globalization.CultureInfo.InvariantCulture,
            $"data changed: {before.Table.Count} → {after.Table.Count} rows ({before.Split.Train.Length} → {after.Split.Train.Length} training rows); training on it from round {round}")));
    }

    private static NodeRunSummary Summarize(RunState state, bool completed, long? resumedFrom) =>
        new(state.Join.RunId, state.Join.NodeId, state.RoundsTrained, state.GlobalVersion ?? state.Join.ModelVersion, completed, resumedFrom, state.Validation);

    private static async Task TrainAndSubmitAsync(RunState state, TrainingAssignment assignment, CancellationToken stoppingToken)
    {
        UpdateSubmission submission;
        try
        {
            submission = await state.Step.TrainAndSubmitAsync(state.Session, assignment, state.Global, stoppingToken).ConfigureAwait(false);
        }
        catch (ModelDivergedException e)
        {
            // The learning rate is the run's, not the node's: say which one it was and who can lower it.
            throw new ModelDivergedException(
                string.Create(
                    System.Globalization.CultureInfo.InvariantCulture,
                    $"round {assignment.Round}: {e.Message} at the run's learning rate {assignment.Plan.LearningRate} ({LocalTrainingPlan.OptimizerName(assignment.Plan.Optimizer)}); the operator can lower training.learningRate in the run config"),
                e);
        }

        if (submission.Counted)
        {
            state.RoundsTrained++;
        }
    }

    /// <summary>
    /// Downloads <paramref name="version"/>, keeps it beside the local state, evaluates it and reports the metrics; for a
    /// private run with the guarantee the coordinator states for the versions up to it (<paramref name="privacy"/>).
    /// </summary>
    private async Task RefreshAsync(RunState state, long version, RunPrivacy? privacy, CancellationToken stoppingToken)
    {
        await _retry.RunAsync($"download of version {version}", ct => _connection.DownloadModelAsync(state.Join.RunId, version, state.Global, ct), stoppingToken, stoppingToken).ConfigureAwait(false);
        state.GlobalVersion = version;
        GlobalModelStore.Save(Path.Combine(_options.StateDirectory, GlobalModelStore.FileName), state.Join.RunId, version, state.Join.Spec, state.Global);
        NodeRunnerLog.Downloaded(_logger, version);
        Report(new NodeProgress(NodeProgressKind.Downloaded, null, version, $"downloaded model version {version}{Spent(privacy, " (private: ", " so far)")}"));

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
            await _retry.RunAsync($"evaluation of version {version}", ct => _connection.SubmitEvaluationAsync(state.Join.RunId, version, metrics, ct), CancellationToken.None, stoppingToken).ConfigureAwait(false);
        }
        catch (UpdateRejectedException e) when (!e.IsRevocation)
        {
            NodeRunnerLog.Rejected(_logger, $"the evaluation of version {version}", e.Reason, e.Message);
            Report(new NodeProgress(NodeProgressKind.Rejected, null, version, $"evaluation of version {version} refused ({e.Reason})"));
        }
    }

    private async Task LeaveAsync(string runId, LeaveReason reason, string? detail)
    {
        // Best effort, briefly: the coordinator also forgets a silent node after its liveness timeout.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5), _time);
        try
        {
            await _connection.LeaveAsync(runId, reason, detail, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is CoordinatorUnavailableException or UpdateRejectedException or OperationCanceledException)
        {
            NodeRunnerLog.LeaveFailed(_logger, runId, e.Message);
        }
    }

    private void Report(NodeProgress progress) => _progress?.Report(progress);

    /// <summary><paramref name="before"/> + the guarantee + <paramref name="after"/> for a private run; nothing otherwise.</summary>
    private static string Spent(RunPrivacy? privacy, string before, string after = "") => privacy is null ? "" : before + privacy + after;

    private sealed class RunState(FederationJoin join, NodeTrainingSession session, ParameterSet global, NodeRoundStep step)
    {
        public FederationJoin Join { get; } = join;

        public NodeTrainingSession Session { get; set; } = session;

        public ParameterSet Global { get; } = global;

        public NodeRoundStep Step { get; } = step;

        public long? GlobalVersion { get; set; }

        public int RoundsTrained { get; set; }

        /// <summary>The label-statistics round whose statistics the coordinator refused, if any: not sent again.</summary>
        public long? RefusedStatisticsRound { get; set; }

        public IReadOnlyList<TaskMetrics> Validation { get; set; } = [];
    }
}
