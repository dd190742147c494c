using System.Diagnostics;
using System.Text.Json;
using Federated.Coordinator.Aggregation;
using Federated.Model.Parameters;
using Federated.Model.Updates;

namespace Federated.Benchmarks;

/// <summary>What the aggregation benchmarks (<c>aggregate</c>, <c>server-optimizer</c>, <c>robust-aggregate</c>) share: their updates, one timed round, the median and the JSON line.</summary>
internal static class AggregationRound
{
    private static readonly JsonSerializerOptions JsonOptions = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>The weights of every update: 10 examples, all labelled for the benchmark model's task.</summary>
    public static UpdateWeights Weights { get; } = new(10, new Dictionary<string, long> { ["click"] = 10 });

    /// <summary><paramref name="count"/> distinct dense updates of every shared tensor (<see cref="BenchmarkModel.DenseDelta"/>, seeds 0, 1, …).</summary>
    public static ModelDelta[] DenseDeltas(ParameterLayout layout, int count) =>
        [.. Enumerable.Range(0, count).Select(k => new ModelDelta([.. BenchmarkModel.DenseDelta(layout, k).Select(p => new TensorDelta(p.Key, p.Value))]))];

    /// <summary>
    /// Begins a round on <paramref name="global"/>, adds <paramref name="count"/> updates (cycling through
    /// <paramref name="deltas"/>) and finishes it; returns the fold's time and the begin's and finish's together, in
    /// seconds (allocating at the start of a round can be what triggers the collection a later allocation would
    /// otherwise pay for, so the two are timed as one).
    /// </summary>
    public static (double Fold, double Finish) Time(IAggregationStrategy strategy, ParameterSet global, ModelDelta[] deltas, int count)
    {
        var clock = Stopwatch.StartNew();
        var aggregator = strategy.BeginRound(global);
        var begin = clock.Elapsed.TotalSeconds;
        clock.Restart();
        for (var k = 0; k < count; k++)
        {
            aggregator.Add(deltas[k % deltas.Length], Weights);
        }

        var fold = clock.Elapsed.TotalSeconds;
        clock.Restart();
        GC.KeepAlive(aggregator.Finish());
        return (fold, begin + clock.Elapsed.TotalSeconds);
    }

    /// <summary>The median of <paramref name="values"/> (the upper one for an even count).</summary>
    public static double Median(double[] values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }

    /// <summary>Prints one measurement as a JSON line with snake_case keys.</summary>
    public static void Print(Dictionary<string, object> line) => Console.WriteLine(JsonSerializer.Serialize(line, JsonOptions));
}
