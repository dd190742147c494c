using Federated.Client.Federation;
using Federated.Client.Training;
using Federated.Model.Metrics;
using Federated.Model.Parameters;
using Federated.Model.Training;
using Federated.Simulation.Reports;

namespace Federated.Simulation.Engine;

/// <summary>
/// Runs the federated series: every virtual client speaks to the coordinator only through its
/// <see cref="ICoordinatorConnection"/>, with a real node's retries, and plays its rounds with the node's own
/// <see cref="NodeRoundStep"/> (training on a <see cref="TrainingWorkspace"/> of a bounded worker pool, uploads under
/// the node's stable upload ids). After every committed version the driver evaluates it on every client's test rows and merges
/// the summaries (the exact global figure).
/// </summary>
/// <remarks>
/// Deterministic for a seed whatever the number of workers: clients train in parallel but their updates are submitted
/// in client order (the aggregate is a floating-point running sum), and evaluations are merged in client order. The
/// global version is downloaded once per round into one buffer that every worker reads (all virtual clients live in
/// one process; each still trains its own copy in its worker's workspace).
/// As member <c>m</c> of an ensemble (<paramref name="ensemble"/> set), the driver records its predictions there instead
/// of figures in the report, trains every round (the ensemble's mean decides when the series stops) and seeds its
/// clients' shuffles with their seeds + m; its options carry the member's seed.
/// </remarks>
internal sealed class FederatedDriver(VirtualClients clients, SimulationOptions options, WorkerPool pool, EnsemblePredictions? ensemble = null, int member = 0)
{
    private const string Series = ExperimentSeries.Federated;
    private const int PollConcurrency = 16;
    private readonly TimeRelease? _release = options.ReleaseByTime is { } k ? new TimeRelease(clients, k) : null;
    private EarlyStopping? _stopping;

    /// <summary>The last version evaluated (the rounds run: fewer than the options' when validation stopped the series early).</summary>
    public long LastVersion { get; private set; }

    /// <summary>Runs every round; records per-round pooled and per-client figures in <paramref name="report"/>.</summary>
    public async Task RunAsync(IFederationHost host, ExperimentReport report, Action<SimulationProgress>? progress, CancellationToken cancellationToken)
    {
        var initial = clients.Data.Model.Initialize(options.Seed);
        var locals = Enumerable.Range(0, clients.Count).Select(c => clients.CreateClient(c, initial, member)).ToArray();
        var runId = host.RunId;
        var retry = new CoordinatorRetry(options.Retry);
        var steps = new NodeRoundStep[locals.Length];
        long version = 0;
        for (var c = 0; c < locals.Length; c++)
        {
            var connection = host.Connection(c);
            var joined = await retry.RunAsync("join", ct => connection.JoinAsync(runId, ct), cancellationToken, cancellationToken).ConfigureAwait(false);
            if (joined.LayoutFingerprint != locals[c].LayoutFingerprint)
            {
                throw new InvalidOperationException($"the run's model layout {joined.LayoutFingerprint} differs from the clients' {locals[c].LayoutFingerprint}");
            }

            steps[c] = new NodeRoundStep(connection, joined, retry);
            version = joined.ModelVersion;

            // A joined node is selectable from its first poll (a real node polls right after joining): every client polls
            // once here, while the run is paused, so the first round selects among all of them when it opens.
            await retry.RunAsync("wait for an assignment", ct => connection.WaitForAssignmentAsync(runId, TimeSpan.Zero, ct), cancellationToken, cancellationToken).ConfigureAwait(false);
        }

        var selection = options.SelectBy ?? ValidationSelection.Default(clients.Data.Spec);
        _stopping = options.HasValidation && ensemble is null ? new EarlyStopping(selection.HigherIsBetter, options.Patience) : null;
        await host.OpenAsync(cancellationToken).ConfigureAwait(false);
        var global = new ParameterSet(initial.Layout);
        await DownloadAsync(host, retry, 0, version, global, cancellationToken).ConfigureAwait(false);
        await EvaluateAsync(locals, global, version, 0, report, cancellationToken).ConfigureAwait(false);

        var total = (long)options.Rounds * locals.Length;
        long done = 0;
        for (var round = 1; round <= options.Rounds; round++)
        {
            // Polls are independent (the round starts at the first one and selects among all joined clients), so they
            // may overlap: over gRPC that hides the round trips. The selection is then read in client order.
            var offers = new AssignmentOffer[locals.Length];
            var polling = new ParallelOptions { MaxDegreeOfParallelism = PollConcurrency, CancellationToken = cancellationToken };
            if (PlaysDropouts)
            {
                // After drop-outs the vanished clients are not ready (they missed a deadline): every client polls once, in
                // client order, so that who is ready when the round starts does not depend on timing; the round's offers follow.
                for (var c = 0; c < locals.Length; c++)
                {
                    var connection = host.Connection(c);
                    await retry.RunAsync("wait for an assignment", t => connection.WaitForAssignmentAsync(runId, TimeSpan.Zero, t), cancellationToken, cancellationToken).ConfigureAwait(false);
                }
            }

            await Parallel.ForEachAsync(Enumerable.Range(0, locals.Length), polling, async (c, ct) =>
                offers[c] = await retry.RunAsync("wait for an assignment", t => host.Connection(c).WaitForAssignmentAsync(runId, TimeSpan.Zero, t), ct, ct).ConfigureAwait(false)).ConfigureAwait(false);
            var selected = new List<(int Client, TrainingAssignment Assignment)>();
            var ended = false;
            for (var c = 0; c < locals.Length; c++)
            {
                ended |= offers[c].Status == AssignmentStatus.RunEnded;
                if (offers[c] is { Status: AssignmentStatus.Assigned, Assignment: { } assignment })
                {
                    if (assignment.LabelStatisticsTasks is not null)
                    {
                        // The experiment resolves shared output biases from data before it creates the run
                        // (DataOutputBias.WithSharedBiases), so its runs have no label-statistics round.
                        throw new InvalidOperationException($"round {assignment.Round} asks for label statistics: the simulation resolves shared output biases before the run");
                    }

                    selected.Add((c, assignment));
                }
            }

            // With privacy a round's Poisson sample may draw no client: the engine then commits that round's version at once
            // (noise only), so the version can be ahead of the loop. Each such version is evaluated as its own round.
            if (ended && host.FailureMessage() is { } failure)
            {
                // Rounds that fail beyond the run's retries (e.g. secure rounds with too many drop-outs) end the run: the
                // user's to fix, so one line, not a trace.
                throw new SimulationRunFailedException($"the federated run failed before round {round}: {failure}");
            }

            var reached = selected.Count > 0 ? selected[0].Assignment.ModelVersion : ended && options.Privacy is not null ? options.Rounds : -1;
            if (reached < 0)
            {
                throw new InvalidOperationException(ended ? $"the run ended before round {round}" : $"no client was selected for round {round}");
            }

            while (version < reached)
            {
                version++;
                await DownloadAsync(host, retry, 0, version, global, cancellationToken).ConfigureAwait(false);
                await EvaluateAsync(locals, global, version, round, report, cancellationToken).ConfigureAwait(false);
                done = (long)round * locals.Length;
                progress?.Invoke(new SimulationProgress(Series, done, total));
                round++;
            }

            if (selected.Count == 0)
            {
                break;
            }

            var baseVersion = version;

            void OnTrained() => progress?.Invoke(new SimulationProgress(Series, Interlocked.Increment(ref done), total));
            if (PlaysDropouts)
            {
                var updates = await TrainAsync(steps, locals, selected, global, OnTrained, cancellationToken).ConfigureAwait(false);
                if (!await DropoutRound.PlayAsync(host, steps, selected, updates, options, retry, baseVersion, cancellationToken).ConfigureAwait(false))
                {
                    // The round failed (secure aggregation lost too many clients); the engine runs it again.
                    round--;
                    continue;
                }
            }
            else
            {
                await TrainRoundAsync(steps, locals, selected, global, OnTrained, cancellationToken).ConfigureAwait(false);
            }

            done = (long)round * locals.Length;
            progress?.Invoke(new SimulationProgress(Series, done, total));

            // Every selected client answered, so the engine committed the round's version.
            version = baseVersion + 1;
            await DownloadAsync(host, retry, 0, version, global, cancellationToken).ConfigureAwait(false);
            await EvaluateAsync(locals, global, version, round, report, cancellationToken).ConfigureAwait(false);
            if (_stopping is { ShouldStop: true })
            {
                break;
            }
        }

        if (_stopping is not null)
        {
            RecordSelection(report, _stopping, selection);
        }
    }

    /// <summary>Makes the best round's figures the series' reported ones and says which round won.</summary>
    internal static void RecordSelection(ExperimentReport report, EarlyStopping stopping, ValidationSelection selection, string series = Series)
    {
        var round = stopping.BestRound >= 0 ? stopping.BestRound : stopping.LastRound;
        report.SelectRound(series, round);
        var c = System.Globalization.CultureInfo.InvariantCulture;
        report.Selection[series] = stopping.BestRound < 0
            ? string.Create(c, $"round {round} (no finite validation {selection}; the last version)")
            : string.Create(c, $"round {round} of {stopping.LastRound} (validation {selection} {stopping.BestValue:F4}")
                + (stopping.ShouldStop ? string.Create(c, $"; stopped after {stopping.Patience} rounds without improvement)") : ")");
    }

    /// <summary>Whether rounds go through <see cref="DropoutRound"/> (drop-outs or secure aggregation) rather than plain submissions.</summary>
    private bool PlaysDropouts => options.Dropout > 0 || options.SecureAggregation is not null;

    private async Task<LocalUpdate[]> TrainAsync(
        NodeRoundStep[] steps, LocalClient[] locals, List<(int Client, TrainingAssignment Assignment)> selected, ParameterSet global, Action onTrained, CancellationToken cancellationToken)
    {
        var updates = new LocalUpdate[selected.Count];
        var diverged = new SeriesDivergedException?[selected.Count];
        await pool.ForEachAsync(selected.Count, (k, worker, ct) =>
        {
            var (c, assignment) = selected[k];
            worker.Target.Client = c;
            try
            {
                updates[k] = TrainClient(steps[c], worker, locals[c], c, assignment, global, diverged, k, ct)!;
            }
            finally
            {
                worker.Target.Client = null;
            }

            onTrained();
            return ValueTask.CompletedTask;
        }, cancellationToken).ConfigureAwait(false);
        SeriesDivergedException.ThrowFirst(diverged);
        return updates;
    }

    private async Task TrainRoundAsync(
        NodeRoundStep[] steps, LocalClient[] locals, List<(int Client, TrainingAssignment Assignment)> selected, ParameterSet global, Action onTrained, CancellationToken cancellationToken)
    {
        var updates = new LocalUpdate?[selected.Count];
        var diverged = new SeriesDivergedException?[selected.Count];
        var next = 0;
        using var gate = new SemaphoreSlim(1, 1);
        await pool.ForEachAsync(selected.Count, async (k, worker, ct) =>
        {
            var (c, assignment) = selected[k];
            worker.Target.Client = c;
            try
            {
                var client = _release?.Client(locals[c], c, (int)assignment.Round) ?? locals[c];
                updates[k] = TrainClient(steps[c], worker, client, c, assignment, global, diverged, k, ct);
            }
            finally
            {
                worker.Target.Client = null;
            }

            onTrained();

            // Submit in client order, whoever finishes first: the aggregate must not depend on thread timing.
            await gate.WaitAsync(ct).ConfigureAwait(false);
            try
            {
                while (next < updates.Length && updates[next] is { } ready)
                {
                    var client = selected[next].Client;
                    var submission = await steps[client].SubmitAsync(ready, ct).ConfigureAwait(false);
                    if (submission.Rejection is { } refused)
                    {
                        // Every selected client must be counted for the round to commit; without it the run cannot go on.
                        throw new InvalidOperationException(
                            $"round {ready.Round}: the coordinator refused the update of client {clients.Names[client]} ({refused.Reason}): {refused.Message}", refused);
                    }

                    updates[next] = null;
                    next++;
                }
            }
            finally
            {
                gate.Release();
            }
        }, cancellationToken).ConfigureAwait(false);
        SeriesDivergedException.ThrowFirst(diverged);
    }

    /// <summary>
    /// One client's local training of a round. A model that diverged is recorded in <paramref name="diverged"/> at
    /// <paramref name="k"/> (null is returned, so the in-order submissions stop before it) rather than thrown at once: the
    /// round's other clients finish, and the run then reports the first diverged client in client order, whatever the
    /// number of workers.
    /// </summary>
    private LocalUpdate? TrainClient(
        NodeRoundStep step, SimulationWorker worker, LocalClient client, int c, TrainingAssignment assignment, ParameterSet global, SeriesDivergedException?[] diverged, int k, CancellationToken cancellationToken)
    {
        try
        {
            return step.Train(worker.Workspace, client, assignment, global, cancellationToken);
        }
        catch (ModelDivergedException e)
        {
            diverged[k] = Diverged((int)assignment.Round, c, e);
            return null;
        }
    }

    private SeriesDivergedException Diverged(int round, int client, ModelDivergedException e) =>
        SeriesDivergedException.Create(Series, round, clients.Names[client], options.Plan.LearningRate, "--learning-rate", e);

    private static Task DownloadAsync(IFederationHost host, CoordinatorRetry retry, int client, long version, ParameterSet global, CancellationToken cancellationToken) =>
        retry.RunAsync($"download of version {version}", ct => host.Connection(client).DownloadModelAsync(host.RunId, version, global, ct), cancellationToken, cancellationToken);

    private async Task EvaluateAsync(LocalClient[] locals, ParameterSet global, long version, int round, ExperimentReport report, CancellationToken cancellationToken)
    {
        LastVersion = version;
        if (ensemble is not null)
        {
            await CapturePredictionsAsync(locals, global, version, round, ensemble, cancellationToken).ConfigureAwait(false);
            return;
        }

        var perClient = new IReadOnlyList<TaskMetrics>[locals.Length];
        var validation = new IReadOnlyList<TaskMetrics>[options.HasValidation ? locals.Length : 0];
        var diverged = new SeriesDivergedException?[locals.Length];
        await pool.ForEachAsync(locals.Length, (c, worker, _) =>
        {
            try
            {
                perClient[c] = worker.Workspace.Evaluate(locals[c], global, version, DataPart.Test);
                if (validation.Length > 0)
                {
                    validation[c] = worker.Workspace.Evaluate(locals[c], global, version, DataPart.Validation);
                }
            }
            catch (ModelDivergedException e)
            {
                diverged[c] = Diverged(round, c, e);
            }

            return ValueTask.CompletedTask;
        }, cancellationToken).ConfigureAwait(false);
        SeriesDivergedException.ThrowFirst(diverged);
        RecordRound(report, clients, options, _stopping, round, perClient, validation);
    }

    /// <summary>
    /// Records one evaluated round of the federated series: its pooled validation figure (observed by
    /// <paramref name="stopping"/> from round 1 on; round 0 is the untrained model, shown and never selected), its pooled
    /// and per-client test figures.
    /// </summary>
    /// <param name="report">Where the figures go.</param>
    /// <param name="clients">The series' clients (their names and data spec).</param>
    /// <param name="options">The experiment's options (metric bins, the validation figure that selects).</param>
    /// <param name="stopping">Observes the validation figure; null without validation or when nothing stops.</param>
    /// <param name="round">The round (0 = the untrained model).</param>
    /// <param name="perClient">Per client, its test summaries.</param>
    /// <param name="validation">Per client, its validation summaries; empty without validation.</param>
    internal static void RecordRound(
        ExperimentReport report, VirtualClients clients, SimulationOptions options, EarlyStopping? stopping, int round, IReadOnlyList<TaskMetrics>[] perClient, IReadOnlyList<TaskMetrics>[] validation)
    {
        if (validation.Length > 0)
        {
            var pooled = MetricRecorder.Merge(clients.Data.Spec, validation, options.MetricBins);
            MetricRecorder.RecordValidation(report, Series, round, pooled);
            if (round > 0 && stopping is not null)
            {
                stopping.Observe(round, (options.SelectBy ?? ValidationSelection.Default(clients.Data.Spec)).ValueOf(pooled));
            }
        }

        MetricRecorder.Record(report, Series, round, MetricPoint.AllClients, MetricRecorder.Merge(clients.Data.Spec, perClient, options.MetricBins));
        for (var c = 0; c < perClient.Length; c++)
        {
            MetricRecorder.Record(report, Series, round, clients.Names[c], perClient[c]);
        }
    }

    /// <summary>As an ensemble member: every client's predictions on its test (and validation) rows, added in client order.</summary>
    private async Task CapturePredictionsAsync(LocalClient[] locals, ParameterSet global, long version, int round, EnsemblePredictions into, CancellationToken cancellationToken)
    {
        var parts = options.HasValidation ? new[] { DataPart.Test, DataPart.Validation } : [DataPart.Test];
        var captured = new (float[][] Predictions, float[][] Labels)[locals.Length, parts.Length];
        var diverged = new SeriesDivergedException?[locals.Length];
        var tasks = clients.Data.Spec.Tasks.Count;
        await pool.ForEachAsync(locals.Length, (c, worker, _) =>
        {
            try
            {
                for (var k = 0; k < parts.Length; k++)
                {
                    var rows = TrainingWorkspace.RowCount(locals[c].Data, parts[k]);
                    var predictions = Enumerable.Range(0, tasks).Select(_ => new float[rows]).ToArray();
                    var labels = Enumerable.Range(0, tasks).Select(_ => new float[rows]).ToArray();
                    worker.Workspace.Predict(locals[c], global, version, parts[k], predictions, labels);
                    captured[c, k] = (predictions, labels);
                }
            }
            catch (ModelDivergedException e)
            {
                diverged[c] = Diverged(round, c, e);
            }

            return ValueTask.CompletedTask;
        }, cancellationToken).ConfigureAwait(false);
        SeriesDivergedException.ThrowFirst(diverged);
        var alone = new IReadOnlyList<TaskMetrics>[locals.Length];
        for (var c = 0; c < locals.Length; c++)
        {
            var (test, labels) = captured[c, 0];
            var builder = new TaskMetricsBuilder(clients.Data.Spec.Tasks, options.MetricBins);
            for (var t = 0; t < tasks; t++)
            {
                builder.Add(t, test[t], labels[t]);
            }

            alone[c] = builder.ToMetrics();
            for (var k = 0; k < parts.Length; k++)
            {
                into.Add(member, round, c, parts[k], captured[c, k].Predictions, captured[c, k].Labels);
            }
        }

        into.AddMemberFigures(member, round, MetricRecorder.Merge(clients.Data.Spec, alone, options.MetricBins));
    }
}
