using System.Diagnostics;
using Federated.Coordinator.Nodes;
using Federated.Coordinator.Rounds;
using Federated.Coordinator.Runs;
using Federated.Coordinator.Storage;
using Federated.Model.Spec;
using Federated.Model.Updates;

namespace Federated.Benchmarks;

/// <summary>
/// Whole FedAvg rounds through <see cref="RoundEngine"/> in this process over a temp SQLite file, no wire: K nodes
/// submit one update each (validated, folded) and the last submit commits the round (next version, written to the
/// file, retention). The time of a round runs from its first submit to the return of its last. Public API only, so
/// that the same file measures an older build of the engine.
/// </summary>
internal static class EngineRoundCost
{
    /// <summary>
    /// Plays one warm-up round and then <paramref name="rounds"/> timed rounds of K = <paramref name="nodes"/> updates,
    /// node k sending <c>deltas[k % deltas.Length]</c>; returns the seconds of each timed round.
    /// </summary>
    public static double[] Measure(ModelSpec spec, ModelDelta[] deltas, int nodes, int rounds)
    {
        var directory = Directory.CreateTempSubdirectory("federated-engine-round-");
        try
        {
            using var store = new SqliteStore(Path.Combine(directory.FullName, "coordinator.db"));
            var directoryOfNodes = new NodeDirectory(store, TimeProvider.System);
            var engine = new RoundEngine(store, TimeProvider.System, new RoundEngineOptions());
            var run = engine.CreateRun(RunConfig.FromJson(Config(spec, nodes, rounds + 1))).RunId;
            var ids = Enumerable.Range(0, nodes).Select(i => $"node-{i:D4}").ToArray();
            foreach (var id in ids)
            {
                directoryOfNodes.IssueToken(id);
                engine.Join(id, run);
                engine.PollAssignment(id, run);
            }

            var seconds = new double[rounds];
            for (var r = 0; r <= rounds; r++)
            {
                var assignments = ids.Select(id => engine.PollAssignment(id, run).Assignment ?? throw new InvalidOperationException($"{id} was not assigned")).ToArray();
                var clock = Stopwatch.StartNew();
                for (var k = 0; k < ids.Length; k++)
                {
                    engine.SubmitUpdate(ids[k], new NodeUpdate
                    {
                        RunId = run,
                        Round = assignments[k].Round,
                        BaseVersion = assignments[k].ModelVersion,
                        NodeId = ids[k],
                        UploadId = $"{ids[k]}-r{assignments[k].Round}",
                        Examples = AggregationRound.Weights.Examples,
                        TaskExamples = AggregationRound.Weights.TaskExamples,
                        TrainingMetrics = [],
                        Delta = deltas[k % deltas.Length],
                    });
                }

                if (r > 0)
                {
                    seconds[r - 1] = clock.Elapsed.TotalSeconds;
                }
            }

            return seconds;
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            directory.Delete(recursive: true);
        }
    }

    private static string Config(ModelSpec spec, int nodes, int rounds) => $$"""
        {
          "name": "engine-round-benchmark",
          "seed": 7,
          "model": {{spec.ToJson()}},
          "rounds": {{rounds}},
          "minClients": {{nodes}},
          "nodesPerRound": {{nodes}},
          "roundDeadlineSeconds": 3600,
          "training": { "localEpochs": 1, "batchSize": 8, "learningRate": 0.1 },
          "strategy": { "name": "fedavg" }
        }
        """;
}
