using System.Numerics.Tensors;
using Federated.Client.Data;
using Federated.Client.Training;
using Federated.Model.Metrics;
using Federated.Model.Parameters;
using Federated.Model.Spec;
using Federated.Model.Training;
using Federated.Simulation.Reports;

namespace Federated.Simulation.Engine;

/// <summary>
/// The two references on the federated series' split, with the same model, initial parameters, local training loop
/// and budget (rounds × local epochs passes over the training rows, a fresh optimiser every round), unless
/// <see cref="SimulationOptions.ReferencePlan"/> gives them their own optimiser, learning rate or batch size:
/// <b>local-only</b>, every client alone on its own training rows, and <b>centralised</b>, one model on the pooled
/// training rows of all clients (its local tensors then cover every user). Both are evaluated on the same test rows.
/// </summary>
/// <remarks>
/// A reference "round" is the federated round with a federation of one: train, then apply the whole update. Local-only
/// clients run one after another per worker, each on the worker's scratch model, so memory stays at one model per
/// worker. The centralised model is one more job of the same pool (the first, being the longest).
/// With an ensemble (<see cref="SimulationOptions.Ensemble"/> K &gt; 1) every reference is K models that differ only in
/// their seeds, as the federated members do (initial parameters from seed + m, client seeds varied per member), trained
/// in lockstep within their job and scored, validated and stopped by their mean prediction.
/// </remarks>
internal sealed class ReferenceRunner(VirtualClients clients, SimulationOptions options, WorkerPool pool)
{
    /// <summary>
    /// Trains both references; records their pooled and per-client figures: without validation those of the last
    /// round, with validation those of each model's best version by its own validation rows (the centralised model's,
    /// and each local-only client's on its own), each stopping early when its patience runs out.
    /// </summary>
    public async Task RunAsync(ExperimentReport report, Action<SimulationProgress>? progress, CancellationToken cancellationToken)
    {
        var spec = clients.Data.Spec;
        var initials = Enumerable.Range(0, options.Ensemble).Select(m => clients.Data.Model.Initialize(options.ForMember(m).Seed)).ToArray();
        var pooled = PooledDataset();
        var release = options.ReleaseByTime is { } k ? new TimeRelease(clients, k) : null;
        var rounds = options.EffectiveReferenceRounds;
        var total = (long)rounds * (clients.Count + 1) * options.Ensemble;
        long done = 0;
        void Step() => progress?.Invoke(new SimulationProgress("references", Interlocked.Add(ref done, options.Ensemble), total));

        var selection = options.SelectBy ?? ValidationSelection.Default(spec);
        EarlyStopping? NewStopping() => options.HasValidation ? new EarlyStopping(selection.HigherIsBetter, options.Patience) : null;
        var local = new IReadOnlyList<TaskMetrics>[clients.Count];
        var localStopping = new EarlyStopping?[clients.Count];
        var central = new IReadOnlyList<TaskMetrics>[clients.Count];
        var centralCurve = new IReadOnlyList<TaskMetrics>[rounds];
        var centralValidation = new IReadOnlyList<TaskMetrics>[rounds];
        var centralStopping = NewStopping();
        var centralRounds = rounds;
        var diverged = new SeriesDivergedException?[clients.Count + 1];
        await pool.ForEachAsync(clients.Count + 1, (job, worker, ct) =>
        {
            try
            {
                RunJob(job, worker, ct);
            }
            catch (SeriesDivergedException e)
            {
                // Reported after every job ended, the first in job order (centralised, then clients in order): the
                // same line whatever the number of workers.
                diverged[job] = e;
            }

            return ValueTask.CompletedTask;
        }, cancellationToken).ConfigureAwait(false);
        SeriesDivergedException.ThrowFirst(diverged);

        void RunJob(int job, SimulationWorker worker, CancellationToken ct)
        {
            if (job == 0)
            {
                var members = initials.Select((initial, m) => LocalClient.InMemory(pooled, initial, VirtualClients.MemberSeed(options.Seed, m))).ToArray();
                var models = Train(members, null, release is null ? null : (client, round) => release.Pooled(client, round), worker, initials, Step, ct, (round, models, versions) =>
                {
                    centralCurve[round - 1] = Evaluate(worker, members, models, versions, DataPart.Test);
                    centralRounds = round;
                    if (centralStopping is null)
                    {
                        return false;
                    }

                    centralValidation[round - 1] = Evaluate(worker, members, models, versions, DataPart.Validation);
                    if (centralStopping.Observe(round, selection.ValueOf(centralValidation[round - 1])))
                    {
                        // The best version so far: its test figures per client are the ones reported unless a later one wins.
                        EvaluatePerClient(pooled, members, models, versions, worker, central);
                    }

                    return centralStopping.ShouldStop;
                });
                if (centralStopping is not { BestRound: >= 0 })
                {
                    EvaluatePerClient(pooled, members, models, NewVersions(worker), worker, central);
                }
            }
            else
            {
                var c = job - 1;
                var members = initials.Select((initial, m) => clients.CreateClient(c, initial, m)).ToArray();
                Func<int, ParameterSet[], long[], bool>? afterRound = null;
                if (members[0].Data.Split.Validation.Length > 0 && NewStopping() is { } stopping)
                {
                    localStopping[c] = stopping;
                    afterRound = (round, models, versions) =>
                    {
                        if (stopping.Observe(round, selection.ValueOf(Evaluate(worker, members, models, versions, DataPart.Validation))))
                        {
                            local[c] = Evaluate(worker, members, models, versions, DataPart.Test);
                        }

                        return stopping.ShouldStop;
                    };
                }

                var models = Train(members, clients.Names[c], release is null ? null : (client, round) => release.Client(client, c, round), worker, initials, Step, ct, afterRound);
                if (localStopping[c] is not { BestRound: >= 0 })
                {
                    local[c] = Evaluate(worker, members, models, NewVersions(worker), DataPart.Test);
                }
            }
        }

        if (!options.HasValidation)
        {
            // The centralised model's learning curve (pooled test rows after each round); its last point is the final figure.
            for (var round = 1; round < rounds; round++)
            {
                MetricRecorder.Record(report, ExperimentSeries.Centralised, round, MetricPoint.AllClients, centralCurve[round - 1]);
            }

            RecordFinal(report, ExperimentSeries.LocalOnly, rounds, local);
            RecordFinal(report, ExperimentSeries.Centralised, rounds, central);
            return;
        }

        // Local-only: every client's best version, recorded at the last round any client trained.
        var localRounds = localStopping.Max(s => s?.LastRound ?? rounds);
        RecordFinal(report, ExperimentSeries.LocalOnly, localRounds, local);
        report.SelectRound(ExperimentSeries.LocalOnly, localRounds);
        report.Selection[ExperimentSeries.LocalOnly] = DescribeLocalSelection(localStopping, rounds);

        // Centralised: the whole curve (test and validation), and the per-client figures at the winning round.
        for (var round = 1; round <= centralRounds; round++)
        {
            MetricRecorder.Record(report, ExperimentSeries.Centralised, round, MetricPoint.AllClients, centralCurve[round - 1]);
            MetricRecorder.RecordValidation(report, ExperimentSeries.Centralised, round, centralValidation[round - 1]);
        }

        var won = centralStopping!.BestRound >= 0 ? centralStopping.BestRound : centralRounds;
        for (var c = 0; c < clients.Count; c++)
        {
            MetricRecorder.Record(report, ExperimentSeries.Centralised, won, clients.Names[c], central[c]);
        }

        FederatedDriver.RecordSelection(report, centralStopping, selection, ExperimentSeries.Centralised);
    }

    /// <summary>Records a reference's pooled figure (merged in client order) and its per-client figures at one round.</summary>
    private void RecordFinal(ExperimentReport report, string series, int round, IReadOnlyList<TaskMetrics>[] perClient)
    {
        MetricRecorder.Record(report, series, round, MetricPoint.AllClients, MetricRecorder.Merge(clients.Data.Spec, perClient, options.MetricBins));
        for (var c = 0; c < clients.Count; c++)
        {
            MetricRecorder.Record(report, series, round, clients.Names[c], perClient[c]);
        }
    }

    /// <summary>Each client's test figures of the centralised model (its members' mean), on its rows of the pooled table.</summary>
    private void EvaluatePerClient(NodeDataset pooled, LocalClient[] central, ParameterSet[] models, long[] versions, SimulationWorker worker, IReadOnlyList<TaskMetrics>[] into)
    {
        for (var c = 0; c < clients.Count; c++)
        {
            var views = central.Select(member => View(pooled, member, c)).ToArray();
            into[c] = Evaluate(worker, views, models, versions, DataPart.Test);
        }
    }

    /// <summary>
    /// A reference's figures on a part of its client's split: its one model's, or with an ensemble the figures of its
    /// members' mean prediction (regression: the mean value; binary: the mean probability).
    /// </summary>
    private IReadOnlyList<TaskMetrics> Evaluate(SimulationWorker worker, LocalClient[] members, ParameterSet[] models, long[] versions, DataPart part)
    {
        if (members.Length == 1)
        {
            return worker.Workspace.Evaluate(members[0], models[0], versions[0], part);
        }

        var tasks = clients.Data.Spec.Tasks;
        var rows = TrainingWorkspace.RowCount(members[0].Data, part);
        var sums = tasks.Select(_ => new float[rows]).ToArray();
        var predictions = tasks.Select(_ => new float[rows]).ToArray();
        var labels = tasks.Select(_ => new float[rows]).ToArray();
        for (var m = 0; m < members.Length; m++)
        {
            worker.Workspace.Predict(members[m], models[m], versions[m], part, m == 0 ? sums : predictions, labels);
            for (var t = 0; t < tasks.Count && m > 0; t++)
            {
                TensorPrimitives.Add(sums[t], predictions[t], sums[t]);
            }
        }

return TaskMetricsBuilder.OfMean(tasks, options.MetricBins, sums, members.Length, labels);
    }

    /// <summary>One fresh version per member: each member's model is a different buffer changed in place.</summary>
    private long[] NewVersions(SimulationWorker worker) => [.. Enumerable.Range(0, options.Ensemble).Select(_ => worker.NextVersion())];

    /// <summary>The local-only winning rounds: their median and range over the clients that had validation rows.</summary>
    private static string DescribeLocalSelection(EarlyStopping?[] stopping, int rounds)
    {
        var c = System.Globalization.CultureInfo.InvariantCulture;
        var best = stopping.Where(s => s is { BestRound: >= 0 }).Select(s => s!.BestRound).Order().ToArray();
        var without = stopping.Length - best.Length;
        var text = best.Length == 0
            ? "no client had a finite validation figure"
            : string.Create(c, $"per client, round {best[best.Length / 2]} (median; {best[0]}–{best[^1]}) of at most {rounds}; {stopping.Count(s => s is { ShouldStop: true })} of {stopping.Length} clients stopped early");
        return without == 0 ? text : text + string.Create(c, $"; {without} without validation rows report their last version");
    }

    /// <summary>Every client's examples in one table (client by client), split by the same test marks.</summary>
    internal NodeDataset PooledDataset()
    {
        var data = clients.Data;
        var indices = clients.Examples.SelectMany(e => e).ToArray();
        var table = ExampleTable.Load(new InMemoryExampleSource(data.Name, data.Schema, [.. indices.Select(i => data.Examples[i])]), data.Model);
        return new NodeDataset(table, VirtualClients.Split(data, indices, clients.IsValidation));
    }

    /// <summary>Client c's test rows within the pooled table, as a client sharing the pooled model's local state.</summary>
    private LocalClient View(NodeDataset pooled, LocalClient central, int c)
    {
        var start = 0;
        for (var k = 0; k < c; k++)
        {
            start += clients.Examples[k].Length;
        }

        var test = new List<int>();
        var examples = clients.Examples[c];
        for (var k = 0; k < examples.Length; k++)
        {
            if (clients.Data.IsTest[examples[k]])
            {
                test.Add(start + k);
            }
        }

        return new LocalClient(new NodeDataset(pooled.Table, new DataSplit(pooled.Split.Train, [], [.. test])), central.State, central.Seed);
    }

    /// <summary>A reference that diverged ends the run with a line naming it (a local-only client by name), the round and the learning rate.</summary>
    private SeriesDivergedException Diverged(int round, string? clientName, ModelDivergedException e)
    {
        var plan = options.ReferencePlan ?? options.Plan;
        var option = options.ReferencePlan is null ? "--learning-rate (or --reference-learning-rate)" : "--reference-learning-rate";
        return SeriesDivergedException.Create(clientName is null ? ExperimentSeries.Centralised : ExperimentSeries.LocalOnly, round, clientName, plan.LearningRate, option, e);
    }

    /// <summary>Trains a reference's models (one, or an ensemble's members in lockstep), round by round.</summary>
    /// <param name="members">The reference's client per member: its data, local state and seed.</param>
    /// <param name="clientName">The local-only client's name; null for the centralised model (names it in a divergence).</param>
    /// <param name="released">The client that trains in a round when data arrives over time (<see cref="TimeRelease"/>); null: the member's own.</param>
    /// <param name="worker">The worker whose workspace and scratch models train it.</param>
    /// <param name="initials">Each member's initial parameters.</param>
    /// <param name="step">Called after every round (progress).</param>
    /// <param name="cancellationToken">Cancels training.</param>
    /// <param name="afterRound">Called after every round with (round, models, versions); true stops training.</param>
    /// <returns>Each member's model after its last round.</returns>
    private ParameterSet[] Train(
        LocalClient[] members,
        string? clientName,
        Func<LocalClient, int, LocalClient>? released,
        SimulationWorker worker,
        ParameterSet[] initials,
        Action step,
        CancellationToken cancellationToken,
        Func<int, ParameterSet[], long[], bool>? afterRound = null)
    {
        var models = new ParameterSet[members.Length];
        for (var m = 0; m < models.Length; m++)
        {
            models[m] = worker.ResetScratch(initials[m], m);

            // Shared heads that start from data start from this reference's own training rows: the pooled rows for the
            // centralised model (the federation's merged statistics), a client's own for local-only.
            DataOutputBias.Apply(models[m], members[m].Data, ParameterScope.Shared);
        }

        for (var round = 1; round <= options.EffectiveReferenceRounds; round++)
        {
            bool stop;
            try
            {
                for (var m = 0; m < models.Length; m++)
                {
                    var update = worker.Workspace.Train(released?.Invoke(members[m], round) ?? members[m], options.ReferenceAssignment(round, worker.NextVersion()), models[m], cancellationToken);
                    update.Delta.ApplyTo(models[m]);
                }

                stop = afterRound?.Invoke(round, models, NewVersions(worker)) ?? false;
            }
            catch (ModelDivergedException e)
            {
                throw Diverged(round, clientName, e);
            }

            step();
            if (stop)
            {
                break;
            }
        }

        return models;
    }
}
