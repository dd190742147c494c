using Federated.Coordinator.Aggregation;
using Federated.Coordinator.Runs;
using Federated.Model.Parameters;
using Federated.Model.Spec;
using Federated.Model.Updates;
using MathNet.Numerics.Random;

namespace Federated.Coordinator.Tests.Aggregation;

public sealed class FedAvgStrategyTests
{
    private const double Eta = 0.75;

    [Theory]
    [InlineData(TrunkKind.SharedBottom)]
    [InlineData(TrunkKind.Mmoe)]
    [InlineData(TrunkKind.Ple)]
    public void Finish_ThreeUpdates_MatchesTheWeightedAverageBitForBit(TrunkKind kind)
    {
        var model = CompiledModel.Compile(Spec(kind));
        var global = model.Initialize(5);
        var updates = Updates(model.Layout);

        var aggregator = new FedAvgStrategy(model, Eta).BeginRound(global);
        foreach (var (delta, weights) in updates)
        {
            aggregator.Add(delta, weights);
        }

        var result = aggregator.Finish();

        Assert.Equal(3, aggregator.Count);
        var expected = Reference(global, updates);
        foreach (var tensor in model.Layout.Tensors)
        {
            var range = new Range(tensor.Offset, tensor.End);
            Assert.True(Bits(expected[range]).SequenceEqual(Bits(result.Values[range])), $"{tensor.Name} differs from the reference");
        }

        Assert.NotEqual(Bits(global.Values), Bits(result.Values));
    }

    [Theory]
    [InlineData(TrunkKind.Mmoe)]
    [InlineData(TrunkKind.Ple)]
    public void Finish_OnSharedProjection_EqualsTheSharedPartOfTheFullResultBitForBit(TrunkKind kind)
    {
        var model = CompiledModel.Compile(Spec(kind));
        var strategy = AggregationStrategies.Create(new StrategySettings { Name = FedAvgStrategy.StrategyName }, model);
        var full = strategy.BeginRound(model.Initialize(5));
        var shared = strategy.BeginRound(model.InitializeShared(5));
        foreach (var (delta, weights) in Updates(model.Layout))
        {
            full.Add(delta, weights);
            shared.Add(delta, weights);
        }

        var fromShared = shared.Finish();

        Assert.Same(model.SharedLayout, fromShared.Layout);
        Assert.Equal(Bits(full.Finish().ProjectTo(model.SharedLayout).Values), Bits(fromShared.Values));
    }

    [Fact]
    public void BeginRound_AfterAFinishedRound_ReusesItsBuffersAndMatchesAFreshStrategyBitForBit()
    {
        var model = CompiledModel.Compile(Spec(TrunkKind.Mmoe));
        var strategy = new FedAvgStrategy(model, Eta);
        var first = strategy.BeginRound(model.Initialize(5));
        foreach (var (delta, weights) in Updates(model.Layout))
        {
            first.Add(delta, weights);
        }

        var next = first.Finish();
        var second = strategy.BeginRound(next);
        var fresh = new FedAvgStrategy(model, Eta).BeginRound(next);
        var updates = Updates(model.Layout).Skip(2).ToList();
        foreach (var (delta, weights) in updates)
        {
            second.Add(delta, weights);
            fresh.Add(delta, weights);
        }

        Assert.Equal(Bits(fresh.Finish().Values), Bits(second.Finish().Values));
        Assert.Equal(Bits(Reference(next, updates)), Bits(fresh.Finish().Values));
    }

    [Fact]
    public void Finish_CalledTwice_SameResultBothTimes()
    {
        // The engine finishes a round again when storing its version failed.
        var model = CompiledModel.Compile(Spec(TrunkKind.SharedBottom));
        var aggregator = new FedAvgStrategy(model, Eta).BeginRound(model.Initialize(5));
        foreach (var (delta, weights) in Updates(model.Layout))
        {
            aggregator.Add(delta, weights);
        }

        var once = aggregator.Finish();
        var twice = aggregator.Finish();

        Assert.NotSame(once, twice);
        Assert.Equal(Bits(once.Values), Bits(twice.Values));
    }

    [Fact]
    public void Add_AfterTheNextRoundTookTheBuffers_ThrowsInvalidOperationException()
    {
        var model = CompiledModel.Compile(Spec(TrunkKind.SharedBottom));
        var strategy = new FedAvgStrategy(model, Eta);
        var first = strategy.BeginRound(model.Initialize(5));
        var (delta, weights) = Updates(model.Layout)[0];
        first.Add(delta, weights);
        strategy.BeginRound(first.Finish());

        Assert.Throws<InvalidOperationException>(() => first.Add(delta, weights));
        Assert.Throws<InvalidOperationException>(first.Finish);
    }

    [Fact]
    public void BeginRound_BaseModelOfAnotherSpec_ThrowsArgumentException()
    {
        var model = CompiledModel.Compile(Spec(TrunkKind.Mmoe));
        var other = CompiledModel.Compile(Spec(TrunkKind.Ple));

        Assert.Throws<ArgumentException>(() => new FedAvgStrategy(model).BeginRound(other.Initialize(1)));
    }

    private static ModelSpec Spec(TrunkKind kind)
    {
        var trunk = kind switch
        {
            TrunkKind.SharedBottom => new TrunkSpec { Kind = kind, Hidden = [4] },
            TrunkKind.Mmoe => new TrunkSpec { Kind = kind, Hidden = [4], Experts = 2 },
            _ => new TrunkSpec { Kind = kind, Hidden = [3], SharedExperts = 1, TaskExperts = 1, Levels = 2 },
        };
        return new ModelSpec
        {
            Fields =
            [
                new FieldSpec { Name = "item", Dim = 2, Buckets = 6 },
                new FieldSpec { Name = "user", Dim = 2, Vocabulary = 4, Scope = ParameterScope.Local },
            ],
            Numeric = ["x"],
            Trunk = trunk,
            Tasks =
            [
                new TaskSpec { Name = "click", Tower = [2], Scope = ParameterScope.Shared },
                new TaskSpec { Name = "rating", Kind = TaskKind.Regression, Tower = [2], Scope = ParameterScope.Shared },
                new TaskSpec { Name = "local", Tower = [2] },
            ],
            UncertaintyWeighting = true,
        };
    }

    /// <summary>Three seeded updates: the item table sparse, dense, sparse; one node has no rating labels, one no click labels.</summary>
    private static List<(ModelDelta Delta, UpdateWeights Weights)> Updates(ParameterLayout layout)
    {
        int[]?[] itemRows = [[1, 3], null, [3, 5]];
        UpdateWeights[] weights =
        [
            new(10, new Dictionary<string, long> { ["click"] = 10, ["rating"] = 4, ["local"] = 10 }),
            new(7, new Dictionary<string, long> { ["click"] = 7 }),
            new(3, new Dictionary<string, long> { ["click"] = 0, ["rating"] = 3 }),
        ];
        var random = new Xoshiro256StarStar(17, threadSafe: false);
        var updates = new List<(ModelDelta, UpdateWeights)>();
        for (var k = 0; k < weights.Length; k++)
        {
            var tensors = new List<TensorDelta>();
            foreach (var tensor in layout.InScope(ParameterScope.Shared))
            {
                var rows = tensor.Name == "emb/item" ? itemRows[k] : null;
                var values = new float[rows is null ? tensor.Length : rows.Length * tensor.Columns];
                for (var i = 0; i < values.Length; i++)
                {
                    values[i] = (float)(random.NextDouble() - 0.5);
                }

                tensors.Add(new TensorDelta(tensor.Name, values, rows));
            }

            var delta = new ModelDelta(tensors);
            delta.Validate(layout);
            updates.Add((delta, weights[k]));
        }

        return updates;
    }

    /// <summary>
    /// θ + η·Σ w Δ / Σ w per tensor (per row for the item table), with w the node's labelled examples of the task the
    /// tensor's name says it belongs to, or its examples for trunk tensors and embeddings.
    /// </summary>
    private static float[] Reference(ParameterSet global, List<(ModelDelta Delta, UpdateWeights Weights)> updates)
    {
        var layout = global.Layout;
        var result = (float[])global.Values.Clone();
        foreach (var tensor in layout.InScope(ParameterScope.Shared))
        {
            var task = new[] { "click", "rating", "local" }.SingleOrDefault(t =>
                tensor.Name.StartsWith($"tower/{t}/", StringComparison.Ordinal)
                || tensor.Name.StartsWith($"gate/{t}/", StringComparison.Ordinal)
                || tensor.Name.Contains($"/expert/{t}/", StringComparison.Ordinal)
                || tensor.Name.Contains($"/gate/{t}/", StringComparison.Ordinal));
            var rows = tensor.Kind == TensorKind.Embedding ? tensor.Rows : 1;
            var width = tensor.Length / rows;
            for (var r = 0; r < rows; r++)
            {
                var sum = new double[width];
                double total = 0;
                foreach (var (delta, weights) in updates)
                {
                    double w = task is null ? weights.Examples : weights.TaskExamples.GetValueOrDefault(task);
                    var sent = delta.Tensors.Single(t => t.Name == tensor.Name);
                    var at = sent.Rows is null ? r : Array.IndexOf(sent.Rows, r);
                    if (w <= 0 || at < 0)
                    {
                        continue;
                    }

                    for (var i = 0; i < width; i++)
                    {
                        sum[i] += w * sent.Values[(at * width) + i];
                    }

                    total += w;
                }

                if (total > 0)
                {
                    var scale = Eta / total;
                    for (var i = 0; i < width; i++)
                    {
                        var j = tensor.Offset + (r * width) + i;
                        result[j] = (float)(result[j] + (scale * sum[i]));
                    }
                }
            }
        }

        return result;
    }

    private static int[] Bits(float[] values) => [.. values.Select(BitConverter.SingleToInt32Bits)];
}
