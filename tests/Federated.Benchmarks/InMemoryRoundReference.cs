using System.Diagnostics;
using Federated.Coordinator.Nodes;
using Federated.Coordinator.Rounds;
using Federated.Coordinator.Runs;
using Federated.Coordinator.Storage;
using Federated.Model.Updates;

namespace Federated.Benchmarks;

/// <summary>
/// The reference of the <c>round</c> benchmark: the same rounds through <see cref="RoundEngine"/> in this process, with
/// the same kind of store (a temp SQLite file), each node fetching the model it was assigned and submitting the same
/// dense update, with no wire in between.
/// </summary>
internal static class InMemoryRoundReference
{
    /// <summary>
    /// Process CPU time per update (per node per round, the JIT's background compilation left out), commits included, over <paramref name="rounds"/> rounds after one
    /// warm-up round; <paramref name="config"/> has <paramref name="rounds"/> + 1 rounds.
    /// </summary>
    public static TimeSpan Measure(string config, int nodeCount, int rounds, Dictionary<string, float[]> delta, long examples)
    {
        var directory = Directory.CreateTempSubdirectory("federated-round-reference-");
        try
        {
            using var store = new SqliteStore(Path.Combine(directory.FullName, "coordinator.db"));
            var nodes = new NodeDirectory(store, TimeProvider.System);
            var engine = new RoundEngine(store, TimeProvider.System, new RoundEngineOptions());
            var run = engine.CreateRun(RunConfig.FromJson(config)).RunId;
            var ids = Enumerable.Range(0, nodeCount).Select(i => $"node-{i:D4}").ToArray();
            foreach (var id in ids)
            {
                nodes.IssueToken(id);
                engine.Join(id, run);

                // A joined node is selectable from its first poll; the last one starts round 1 with every node.
                engine.PollAssignment(id, run);
            }

            var modelDelta = new ModelDelta([.. delta.Select(p => new TensorDelta(p.Key, p.Value))]);
            var taskExamples = new Dictionary<string, long> { ["click"] = examples };
            Round(engine, run, ids, modelDelta, examples, taskExamples);
            using var self = Process.GetCurrentProcess();
            var cpu = ThreadCpu.Read(self).Work;
            for (var r = 0; r < rounds; r++)
            {
                Round(engine, run, ids, modelDelta, examples, taskExamples);
            }

            return (ThreadCpu.Read(self).Work - cpu) / ((double)nodeCount * rounds);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            directory.Delete(recursive: true);
        }
    }

    private static void Round(RoundEngine engine, string run, string[] ids, ModelDelta delta, long examples, Dictionary<string, long> taskExamples)
    {
        foreach (var id in ids)
        {
            var assignment = engine.PollAssignment(id, run).Assignment ?? throw new InvalidOperationException($"{id} was not assigned");
            using (engine.OpenModel(id, run, assignment.ModelVersion))
            {
            }

            engine.SubmitUpdate(id, new NodeUpdate
            {
                RunId = run,
                Round = assignment.Round,
                BaseVersion = assignment.ModelVersion,
                NodeId = id,
                UploadId = $"{id}-r{assignment.Round}",
                Examples = examples,
                TaskExamples = taskExamples,
                TrainingMetrics = [],
                Delta = delta,
            });
        }
    }
}
