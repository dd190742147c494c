using Federated.Client.Data;
using Federated.Client.Training;
using Federated.Model.Metrics;
using Federated.Model.Parameters;
using Federated.Model.Spec;
using Federated.Simulation.Reports;

namespace Federated.Simulation.Engine;

/// <summary>
/// The two references on the federated series' split, with the same model, initial parameters, local training loop
/// and budget (rounds × local epochs passes over the training rows, a fresh optimiser every round):
/// <b>local-only</b>, every client alone on its own training rows, and <b>centralised</b>, one model on the pooled
/// training rows of all clients (its local tensors then cover every user). Both are evaluated on the same test rows.
/// </summary>
/// <remarks>
/// A reference "round" is the federated round with a federation of one: train, then apply the whole update. Local-only
/// clients run one after another per worker, each on the worker's scratch model, so memory stays at one model per
/// worker. The centralised model is one more job of the same pool (the first, being the longest).
/// </remarks>
internal sealed class ReferenceRunner(VirtualClients clients, SimulationOptions options, WorkerPool pool)
{
    /// <summary>Trains both references; records their final pooled and per-client figures at the last round.</summary>
    public async Task RunAsync(ExperimentReport report, Action<SimulationProgress>? progress, CancellationToken cancellationToken)
    {
        var spec = clients.Data.Spec;
        var initial = clients.Data.Model.Initialize(options.Seed);
        var pooled = PooledDataset();
        var total = (long)options.Rounds * (clients.Count + 1);
        long done = 0;
        void Step() => progress?.Invoke(new SimulationProgress("references", Interlocked.Increment(ref done), total));

        var local = new IReadOnlyList<TaskMetrics>[clients.Count];
        var central = new IReadOnlyList<TaskMetrics>[clients.Count];
        var centralCurve = new IReadOnlyList<TaskMetrics>[options.Rounds];
        await pool.ForEachAsync(clients.Count + 1, (job, worker, ct) =>
        {
            if (job == 0)
            {
                var client = LocalClient.InMemory(pooled, initial, options.Seed);
                var model = Train(client, worker, initial, Step, ct, (round, model, version) => centralCurve[round - 1] = worker.Workspace.Evaluate(client, model, version, DataPart.Test));
                for (var c = 0; c < clients.Count; c++)
                {
                    central[c] = worker.Workspace.Evaluate(View(pooled, client, c), model, worker.NextVersion(), DataPart.Test);
                }
            }
            else
            {
                var c = job - 1;
                var client = clients.CreateClient(c, initial);
                var model = Train(client, worker, initial, Step, ct);
                local[c] = worker.Workspace.Evaluate(client, model, worker.NextVersion(), DataPart.Test);
            }

            return ValueTask.CompletedTask;
        }, cancellationToken).ConfigureAwait(false);

        // The centralised model's learning curve (pooled test rows after each round); its last point is the final figure.
        for (var round = 1; round < options.Rounds; round++)
        {
            MetricRecorder.Record(report, ExperimentSeries.Centralised, round, MetricPoint.AllClients, centralCurve[round - 1]);
        }

        foreach (var (series, perClient) in new[] { (ExperimentSeries.LocalOnly, local), (ExperimentSeries.Centralised, central) })
        {
            MetricRecorder.Record(report, series, options.Rounds, MetricPoint.AllClients, MetricRecorder.Merge(spec, perClient, options.MetricBins));
            for (var c = 0; c < clients.Count; c++)
            {
                MetricRecorder.Record(report, series, options.Rounds, clients.Names[c], perClient[c]);
            }
        }
    }

    /// <summary>Every client's examples in one table (client by client), split by the same test marks.</summary>
    internal NodeDataset PooledDataset()
    {
        var data = clients.Data;
        var indices = clients.Examples.SelectMany(e => e).ToArray();
        var table = ExampleTable.Load(new InMemoryExampleSource(data.Name, data.Schema, [.. indices.Select(i => data.Examples[i])]), data.Model);
        return new NodeDataset(table, VirtualClients.Split(data, indices));
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

    private ParameterSet Train(
        LocalClient client, SimulationWorker worker, ParameterSet initial, Action step, CancellationToken cancellationToken, Action<int, ParameterSet, long>? afterRound = null)
    {
        var model = worker.ResetScratch(initial);

        // Shared heads that start from data start from this reference's own training rows: the pooled rows for the
        // centralised model (the federation's merged statistics), a client's own for local-only.
        DataOutputBias.Apply(model, client.Data, ParameterScope.Shared);
        for (var round = 1; round <= options.Rounds; round++)
        {
            var update = worker.Workspace.Train(client, options.Assignment(round, worker.NextVersion()), model, cancellationToken);
            update.Delta.ApplyTo(model);
            afterRound?.Invoke(round, model, worker.NextVersion());
            step();
        }

        return model;
    }
}
