using Federated.Coordinator.Aggregation;
using Federated.Model.Parameters;
using Federated.Model.Spec;
using Federated.Model.Updates;
using MathNet.Numerics.Random;

namespace Federated.Coordinator.Tests.Aggregation;

/// <summary>A small multi-task model and hand-made updates for the robust strategies' tests.</summary>
internal static class RobustTestModel
{
    public static CompiledModel Compiled { get; } = CompiledModel.Compile(new ModelSpec
    {
        Fields = [new FieldSpec { Name = "item", Dim = 2, Buckets = 4 }],
        Numeric = ["x"],
        Trunk = new TrunkSpec { Kind = TrunkKind.SharedBottom, Hidden = [2] },
        Tasks =
        [
            new TaskSpec { Name = "click", Tower = [2], Scope = ParameterScope.Shared },
            new TaskSpec { Name = "rating", Kind = TaskKind.Regression, Tower = [1], Scope = ParameterScope.Shared },
        ],
    });

    public static ParameterLayout Layout => Compiled.SharedLayout;

    /// <summary>The shared parameters, all zero, so the result is the aggregate step itself.</summary>
    public static ParameterSet Zeros() => new(Layout, new float[Layout.TotalLength]);

    public static UpdateWeights Weights(long examples = 10, long click = 10, long rating = 10) =>
        new(examples, new Dictionary<string, long> { ["click"] = click, ["rating"] = rating });

    /// <summary>An update whose value j of tensor t is <paramref name="value"/>(t, j); the item table row-sparse when rows are given.</summary>
    public static ModelDelta Delta(Func<TensorInfo, int, float> value, int[]? itemRows = null)
    {
        var tensors = new List<TensorDelta>();
        foreach (var tensor in Layout.Tensors)
        {
            var rows = tensor.Name == "emb/item" ? itemRows : null;
            var values = new float[rows is null ? tensor.Length : rows.Length * tensor.Columns];
            for (var j = 0; j < values.Length; j++)
            {
                values[j] = value(tensor, j);
            }

            tensors.Add(new TensorDelta(tensor.Name, values, rows));
        }

        var delta = new ModelDelta(tensors);
        delta.Validate(Layout);
        return delta;
    }

    /// <summary>An update with every value <paramref name="value"/>.</summary>
    public static ModelDelta Constant(float value, int[]? itemRows = null) => Delta((_, _) => value, itemRows);

    /// <summary>Seeded random updates: item rows sparse for some, one without click labels, one without rating labels.</summary>
    public static List<(ModelDelta Delta, UpdateWeights Weights)> Random(int count, int seed)
    {
        var random = new Xoshiro256StarStar(seed, threadSafe: false);
        var updates = new List<(ModelDelta, UpdateWeights)>();
        for (var k = 0; k < count; k++)
        {
            int[]? rows = (k % 3) switch { 0 => null, 1 => [0, 2], _ => [1, 2, 3] };
            var delta = Delta((_, _) => (float)(random.NextDouble() - 0.5) * (k == count - 1 ? 20 : 1), rows);
            updates.Add((delta, Weights(10 + k, click: k == 1 ? 0 : 5, rating: k == 2 ? 0 : 3)));
        }

        return updates;
    }

    public static ParameterSet Aggregate(IAggregationStrategy strategy, IEnumerable<(ModelDelta Delta, UpdateWeights Weights)> updates)
    {
        var round = strategy.BeginRound(Zeros());
        foreach (var (delta, weights) in updates)
        {
            round.Add(delta, weights);
        }

        return round.Finish();
    }

    public static float[] Values(ParameterSet set, string tensor) => set[tensor].ToArray();

    public static string ClickTensor => Layout.Tensors.First(t => Compiled.TaskOf(t) == "click").Name;

    public static string RatingTensor => Layout.Tensors.First(t => Compiled.TaskOf(t) == "rating").Name;

    public static string TrunkTensor => Layout.Tensors.First(t => Compiled.TaskOf(t) is null && t.Kind != TensorKind.Embedding).Name;

    public static int[] Bits(float[] values) => [.. values.Select(BitConverter.SingleToInt32Bits)];
}
