using System.CommandLine;
using Federated.Coordinator.Aggregation;
using Federated.Coordinator.Aggregation.Robust;
using Federated.Coordinator.Runs;
using Federated.Model.Parameters;

namespace Federated.Benchmarks;

/// <summary>
/// The <c>robust-aggregate</c> subcommand: one round of K dense updates of P parameters (add every update, then finish)
/// through each robust strategy, the norm bound in front of FedAvg, and a median round whose updates all go to the
/// spill file, each as a ratio to plain FedAvg's round measured in the same run.
/// </summary>
internal static class RobustAggregateBenchmark
{
    public static Command CreateCommand()
    {
        var parameters = new Option<int>("--params") { Description = "Shared parameters P of the model", DefaultValueFactory = _ => 1_000_000 };
        var updates = new Option<int>("--updates") { Description = "Updates K per round", DefaultValueFactory = _ => 10 };
        var repetitions = new Option<int>("--reps") { Description = "Timed repetitions (the median is reported)", DefaultValueFactory = _ => 5 };
        var command = new Command("robust-aggregate", "Round time of median, trimmed mean, Krum, Multi-Krum, the norm bound and the spill path, as ratios to FedAvg's");
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
        var deltas = AggregationRound.DenseDeltas(layout, updates);
        var spill = Path.Combine(Path.GetTempPath(), "federated-robust-benchmark");
        var f = Math.Max(0, (updates - 3) / 2);
        var cases = new (string Case, IAggregationStrategy Strategy)[]
        {
            ("fedavg", Create(model, FedAvgStrategy.StrategyName)),
            ("median", Create(model, RobustStrategies.Median)),
            ("trimmed-mean", Create(model, RobustStrategies.TrimmedMean, (RobustStrategies.BetaKey, 0.1))),
            ("krum", Create(model, RobustStrategies.Krum, (RobustStrategies.FKey, f))),
            ("multi-krum", Create(model, RobustStrategies.MultiKrum, (RobustStrategies.FKey, f))),
            ("norm-bound+fedavg", Create(model, FedAvgStrategy.StrategyName, (NormBound.MultipleKey, 2))),
            ("median-spilled", Create(model, RobustStrategies.Median, new UpdateBufferOptions { MemoryLimitBytes = 0, SpillDirectory = spill })),
        };

        var seconds = new double[cases.Length][];
        for (var c = 0; c < cases.Length; c++)
        {
            AggregationRound.Time(cases[c].Strategy, global, deltas, updates);
            seconds[c] = new double[repetitions];
        }

        // Interleaved, so that a slower spell of the shared machine falls on every case alike.
        for (var r = 0; r < repetitions; r++)
        {
            for (var c = 0; c < cases.Length; c++)
            {
                var (fold, finish) = AggregationRound.Time(cases[c].Strategy, global, deltas, updates);
                seconds[c][r] = fold + finish;
            }
        }

        var reference = AggregationRound.Median(seconds[0]);
        for (var c = 0; c < cases.Length; c++)
        {
            var time = AggregationRound.Median(seconds[c]);
            AggregationRound.Print(new Dictionary<string, object>
            {
                ["benchmark"] = "robust-aggregate",
                ["case"] = cases[c].Case,
                ["params"] = layout.TotalLength,
                ["updates"] = updates,
                ["round_ms"] = Math.Round(time * 1000, 1),
                ["ratio_to_fedavg"] = Math.Round(time / reference, 2),
            });
        }

        return 0;
    }

    private static IAggregationStrategy Create(CompiledModel model, string name, params (string Key, double Value)[] parameters) =>
        Create(model, name, null, parameters);

    private static IAggregationStrategy Create(CompiledModel model, string name, UpdateBufferOptions? buffer, params (string Key, double Value)[] parameters) =>
        AggregationStrategies.Create(new StrategySettings { Name = name, Parameters = parameters.ToDictionary(p => p.Key, p => p.Value) }, model, buffer);

}
