using System.CommandLine;
using Federated.Coordinator.Aggregation;
using Federated.Model.Parameters;

namespace Federated.Benchmarks;

/// <summary>
/// The <c>server-optimizer</c> subcommand: what a server optimiser adds to a round. For FedAvg and each of
/// <c>fedavgm</c>, <c>fedadagrad</c>, <c>fedadam</c>, <c>fedyogi</c>, the same K dense updates of P parameters are folded
/// and the round finished; the finish (the step, O(model)) is reported in milliseconds and as a ratio to FedAvg's
/// finish measured in the same run, and the whole round (fold + finish) likewise.
/// </summary>
internal static class ServerOptimizerBenchmark
{
    public static Command CreateCommand()
    {
        var parameters = new Option<int>("--params") { Description = "Shared parameters P of the model", DefaultValueFactory = _ => 1_000_000 };
        var updates = new Option<int>("--updates") { Description = "Updates K folded per round", DefaultValueFactory = _ => 10 };
        var repetitions = new Option<int>("--reps") { Description = "Timed repetitions (the median is reported)", DefaultValueFactory = _ => 7 };
        var command = new Command("server-optimizer", "Cost of the server optimisers' step against FedAvg's finish, same updates, same run");
        command.Options.Add(parameters);
        command.Options.Add(updates);
        command.Options.Add(repetitions);
        command.SetAction(result => Run(result.GetValue(parameters), result.GetValue(updates), result.GetValue(repetitions)));
        return command;
    }

    private static int Run(int parameters, int updates, int repetitions)
    {
        var model = CompiledModel.Compile(BenchmarkModel.Spec(parameters));
        var layout = model.SharedLayout;
        var global = model.InitializeShared(1);
        var deltas = AggregationRound.DenseDeltas(layout, Math.Min(updates, 4));
        var strategies = new List<IAggregationStrategy> { new FedAvgStrategy(model) };
        foreach (var kind in Enum.GetValues<ServerOptimizerKind>())
        {
            strategies.Add(new ServerOptimizerStrategy(model, ServerOptimizerSettings.From(kind, new Dictionary<string, double>())));
        }

        var fold = strategies.Select(_ => new double[repetitions]).ToArray();
        var finish = strategies.Select(_ => new double[repetitions]).ToArray();
        foreach (var strategy in strategies)
        {
            // Warm-up: the JIT, and the buffers and moments the strategies keep from round to round.
            AggregationRound.Time(strategy, global, deltas, updates);
            AggregationRound.Time(strategy, global, deltas, updates);
        }

        // Interleaved, so that a slower moment of the machine falls on every strategy alike.
        for (var r = 0; r < repetitions; r++)
        {
            for (var s = 0; s < strategies.Count; s++)
            {
                (fold[s][r], finish[s][r]) = AggregationRound.Time(strategies[s], global, deltas, updates);
            }
        }

        var fedAvgFinish = AggregationRound.Median(finish[0]);
        var fedAvgRound = AggregationRound.Median(fold[0]) + fedAvgFinish;
        for (var s = 0; s < strategies.Count; s++)
        {
            var finishSeconds = AggregationRound.Median(finish[s]);
            AggregationRound.Print(new Dictionary<string, object>
            {
                ["benchmark"] = "server-optimizer",
                ["strategy"] = strategies[s].Name,
                ["params"] = layout.TotalLength,
                ["updates"] = updates,
                ["finish_ms"] = Math.Round(finishSeconds * 1000, 3),
                ["finish_ratio_to_fedavg"] = Math.Round(finishSeconds / fedAvgFinish, 3),
                ["round_ratio_to_fedavg"] = Math.Round((AggregationRound.Median(fold[s]) + finishSeconds) / fedAvgRound, 3),
                ["finish_ns_per_param"] = Math.Round(finishSeconds * 1e9 / layout.TotalLength, 3),
            });
        }

        return 0;
    }


}
