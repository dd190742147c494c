using Federated.Coordinator.Aggregation;
using Federated.Model.Parameters;
using Federated.Model.Spec;
using Federated.Model.Updates;
using MathNet.Numerics.Random;

namespace Federated.Coordinator.Tests.Aggregation;

public sealed class FedAvgFinishIntoTests
{
    private static readonly ModelSpec Spec = new()
    {
        Fields = [new FieldSpec { Name = "item", Dim = 2, Buckets = 8 }],
        Numeric = [],
        Trunk = new TrunkSpec { Kind = TrunkKind.SharedBottom, Hidden = [3] },
        Tasks = [new TaskSpec { Name = "click", Tower = [2], Scope = ParameterScope.Shared }],
    };

    [Fact]
    public void FinishInto_RowSparseRound_EqualsFinishBitForBitAndReportsOnlyTheRowsSentAndDenseTensors()
    {
        var model = CompiledModel.Compile(Spec);
        var global = model.InitializeShared(3);
        var item = global.Layout["emb/item"];
        var strategy = new FedAvgStrategy(model, 0.5);

        var copying = strategy.BeginRound(global);
        Fold(copying, global.Layout);
        var expected = copying.Finish();
        var inPlace = (IIncrementalRoundAggregator)strategy.BeginRound(global);
        Fold(inPlace, global.Layout);
        var target = global.Clone();
        var changes = inPlace.FinishInto(target);

        Assert.Equal(Bits(expected.Values), Bits(target.Values));
        var inside = new bool[global.Values.Length];
        foreach (var range in changes.Ranges)
        {
            inside.AsSpan(range.Offset, range.Length).Fill(true);
        }

        // Rows 1, 3 and 5 of the table were sent; every other tensor was dense.
        for (var row = 0; row < item.Rows; row++)
        {
            Assert.Equal(row is 1 or 3 or 5, inside[item.Offset + (row * item.Columns)]);
        }

        Assert.Equal(global.Values.Length - (5 * item.Columns), changes.ChangedValues);
        for (var i = 0; i < inside.Length; i++)
        {
            if (!inside[i])
            {
                Assert.Equal(BitConverter.SingleToInt32Bits(global.Values[i]), BitConverter.SingleToInt32Bits(target.Values[i]));
            }
        }
    }

    [Fact]
    public void FinishInto_TheBaseSetItself_IsRefused()
    {
        var model = CompiledModel.Compile(Spec);
        var global = model.InitializeShared(3);
        var aggregator = (IIncrementalRoundAggregator)new FedAvgStrategy(model).BeginRound(global);

        Assert.Throws<ArgumentException>(() => aggregator.FinishInto(global));
        var other = CompiledModel.Compile(Spec with { Fields = [new FieldSpec { Name = "item", Dim = 2, Buckets = 9 }] });
        Assert.Throws<ArgumentException>(() => aggregator.FinishInto(other.InitializeShared(3)));
    }

    [Fact]
    public void Of_OverlappingTouchingAndEmptyRanges_MergesThemInOrder()
    {
        var changes = ParameterChanges.Of(100, [new(50, 10), new(10, 5), new(15, 5), new(55, 20), new(90, 0), new(0, 1)]);

        Assert.Equal([new ParameterRange(0, 1), new ParameterRange(10, 10), new ParameterRange(50, 25)], changes.Ranges);
        Assert.Equal(36, changes.ChangedValues);
        Assert.False(changes.IsAll);
        Assert.True(ParameterChanges.All(100).IsAll);
        Assert.Throws<ArgumentOutOfRangeException>(() => ParameterChanges.Of(100, [new(95, 6)]));
        Assert.Throws<ArgumentOutOfRangeException>(() => ParameterChanges.Of(100, [new(-1, 1)]));
    }

    /// <summary>Two updates: the table's rows [1, 3] and [3, 5], every other tensor dense.</summary>
    private static void Fold(IRoundAggregator aggregator, ParameterLayout layout)
    {
        int[][] rows = [[1, 3], [3, 5]];
        var random = new Xoshiro256StarStar(11, threadSafe: false);
        for (var k = 0; k < rows.Length; k++)
        {
            var tensors = new List<TensorDelta>();
            foreach (var tensor in layout.Tensors)
            {
                var sparse = tensor.Name == "emb/item" ? rows[k] : null;
                var values = new float[sparse is null ? tensor.Length : sparse.Length * tensor.Columns];
                for (var i = 0; i < values.Length; i++)
                {
                    values[i] = (float)(random.NextDouble() - 0.5);
                }

                tensors.Add(new TensorDelta(tensor.Name, values, sparse));
            }

            aggregator.Add(new ModelDelta(tensors), new UpdateWeights(5 + k, new Dictionary<string, long> { ["click"] = 5 + k }));
        }
    }

    private static int[] Bits(float[] values) => [.. values.Select(BitConverter.SingleToInt32Bits)];
}
