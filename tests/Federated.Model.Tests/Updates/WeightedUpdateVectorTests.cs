using Federated.Model.Parameters;
using Federated.Model.Spec;
using Federated.Model.Tests.Network;
using Federated.Model.Updates;

namespace Federated.Model.Tests.Updates;

/// <summary>The vector a node masks in a secure round: its layout, its norm bound, and the weighted mean the sum of such vectors decodes to.</summary>
public sealed class WeightedUpdateVectorTests
{
    private static readonly CompiledModel Model = CompiledModel.Compile(TestModels.Small(TrunkKind.Mmoe));

    [Fact]
    public void Layout_SharedValuesThenRowWeightsThenGroups()
    {
        var codec = new WeightedUpdateVector(Model);

        // Groups: the trunk, then every task: MMoE has a shared gate per task (and conversion a shared head).
        Assert.Equal([null, "click", "conversion", "rating"], codec.Groups);
        Assert.Equal(Model.SharedLayout.TotalLength, codec.DeltaLength);
        Assert.Equal(20 + 8, codec.RowWeightLength);
        Assert.Equal(codec.DeltaLength + 28 + 4, codec.Length);
        Assert.Equal(Math.Sqrt(4 + 28 + 4), codec.NormBound(2), 12);
    }

    [Fact]
    public void DecodeMean_SumOfTwoNodes_IsFedAvgMeanPerTensorAndPerEmbeddingRow()
    {
        var codec = new WeightedUpdateVector(Model);
        var item = Model.SharedLayout["emb/item"];
        var random = new Random(3);
        ModelDelta Delta(int[] rows) => new([.. Model.SharedLayout.Tensors.Select(t => t.Name == item.Name
            ? new TensorDelta(t.Name, [.. Enumerable.Range(0, rows.Length * t.Columns).Select(_ => (float)random.NextDouble())], rows)
            : new TensorDelta(t.Name, [.. Enumerable.Range(0, t.Length).Select(_ => (float)random.NextDouble())]))]);
        var first = Delta([1, 2]);
        var second = Delta([2, 5]);
        var sum = new float[codec.Length];
        var vector = new float[codec.Length];
        codec.Encode(first, 30, new Dictionary<string, long> { ["conversion"] = 10 }, 100, vector);
        Add(sum, vector);
        codec.Encode(second, 90, new Dictionary<string, long> { ["conversion"] = 0 }, 100, vector);
        Add(sum, vector);

        var (mean, weights) = codec.DecodeMean(sum, 100);

        Assert.Equal(1.2, weights[0], 6);
        Assert.Equal(0.1, weights[2], 6);
        var trunk = Model.SharedLayout.Tensors.First(t => t.Kind == TensorKind.Weight && Model.TaskOf(t) is null);
        Assert.Equal(((30 * Value(first, trunk.Name, 0)) + (90 * Value(second, trunk.Name, 0))) / 120, Value(mean, trunk.Name, 0), 5);
        var head = Model.SharedLayout.Tensors.First(t => Model.TaskOf(t) == "conversion");
        Assert.Equal(Value(first, head.Name, 0), Value(mean, head.Name, 0), 5);

        // Row 1: only the first node sent it; row 2: both; row 5: only the second; row 0: nobody (mean 0, left unchanged).
        Assert.Equal(Value(first, item.Name, 0), Value(mean, item.Name, 1 * item.Columns), 5);
        Assert.Equal(((30 * Value(first, item.Name, item.Columns)) + (90 * Value(second, item.Name, 0))) / 120, Value(mean, item.Name, 2 * item.Columns), 5);
        Assert.Equal(Value(second, item.Name, item.Columns), Value(mean, item.Name, 5 * item.Columns), 5);
        Assert.Equal(0f, Value(mean, item.Name, 0));
    }

    [Fact]
    public void DecodeSum_UnitWeights_IsThePlainSumOfTheDeltasWithUnsentRowsZero()
    {
        var codec = new WeightedUpdateVector(Model);
        var item = Model.SharedLayout["emb/item"];
        var random = new Random(4);
        ModelDelta Delta(int[] rows) => new([.. Model.SharedLayout.Tensors.Select(t => t.Name == item.Name
            ? new TensorDelta(t.Name, [.. Enumerable.Range(0, rows.Length * t.Columns).Select(_ => (float)random.NextDouble())], rows)
            : new TensorDelta(t.Name, [.. Enumerable.Range(0, t.Length).Select(_ => (float)random.NextDouble())]))]);
        var first = Delta([1, 2]);
        var second = Delta([2, 5]);
        var sum = new float[codec.Length];
        var vector = new float[codec.Length];
        var labels = new Dictionary<string, long> { ["click"] = 3, ["conversion"] = 2 };

        // W = 1: every node with an example weighs exactly 1, whatever its example counts (a private run's encoding).
        codec.Encode(first, 30, labels, 1, vector);
        Add(sum, vector);
        codec.Encode(second, 90, labels, 1, vector);
        Add(sum, vector);

        var total = codec.DecodeSum(sum);

        var trunk = Model.SharedLayout.Tensors.First(t => t.Kind == TensorKind.Weight && Model.TaskOf(t) is null);
        Assert.Equal(Value(first, trunk.Name, 0) + Value(second, trunk.Name, 0), Value(total, trunk.Name, 0), 5);
        Assert.Equal(Value(first, item.Name, item.Columns) + Value(second, item.Name, 0), Value(total, item.Name, 2 * item.Columns), 5);
        Assert.Equal(Value(second, item.Name, item.Columns), Value(total, item.Name, 5 * item.Columns), 5);
        Assert.Equal(0f, Value(total, item.Name, 0));
        Assert.All(total.Tensors, t => Assert.Null(t.Rows));
        Assert.Equal(Model.SharedLayout.TotalLength, total.Tensors.Sum(t => t.Values.Length));
    }

    [Fact]
    public void Encode_WeightAboveCap_CountsAsTheCap()
    {
        var codec = new WeightedUpdateVector(Model);
        var delta = new ModelDelta([.. Model.SharedLayout.Tensors.Select(t => new TensorDelta(t.Name, [.. Enumerable.Repeat(0.5f, t.Length)]))]);
        var vector = new float[codec.Length];

        codec.Encode(delta, 5000, new Dictionary<string, long>(), 1000, vector);

        Assert.Equal(1f, vector[codec.DeltaLength + codec.RowWeightLength]);
        Assert.Equal(0.5f, vector[0]);
        Assert.Equal(0f, vector[codec.DeltaLength + codec.RowWeightLength + 2]);
        Assert.Throws<ArgumentException>(() => codec.Encode(delta, 1, new Dictionary<string, long>(), 1, new float[3]));
    }

    private static void Add(float[] sum, float[] vector)
    {
        for (var i = 0; i < sum.Length; i++)
        {
            sum[i] += vector[i];
        }
    }

    private static float Value(ModelDelta delta, string tensor, int index) => delta.Tensors.Single(t => t.Name == tensor).Values[index];
}
