using Federated.Model.Optimization;

namespace Federated.Model.Tests.Optimization;

/// <summary>Lazy (SparseAdam-style) row updates of an embedding table placed after a dense tensor in the layout.</summary>
public sealed class LazyRowUpdateTests
{
    private const int TableOffset = 13;
    private const int RowCount = 30;
    private const int RowLength = 12;
    private const int ParameterCount = TableOffset + (RowCount * RowLength);

    [Theory]
    [InlineData(OptimizerKind.Sgd)]
    [InlineData(OptimizerKind.Momentum)]
    [InlineData(OptimizerKind.Adam)]
    public void UpdateRows_SubsetOfRows_LeavesUntouchedRowsAndTheirStateBitIdentical(OptimizerKind kind)
    {
        var optimizer = Optimizer.Create(TestOptions.For(kind), ParameterCount);
        var flat = SeededData.Uniform(seed: 3, ParameterCount);
        var table = flat.AsSpan(TableOffset, RowCount * RowLength);
        int[] allRows = [.. Enumerable.Range(0, RowCount)];
        optimizer.BeginStep();
        optimizer.UpdateRows(table, RowLength, allRows, SeededData.Uniform(seed: 4, RowCount * RowLength), TableOffset);
        var parametersBefore = flat.ToArray();
        var stateBefore = OptimizerStateSnapshot.Of(optimizer);
        int[] touched = [17, 2, 29, 8];

        optimizer.BeginStep();
        optimizer.UpdateRows(table, RowLength, touched, SeededData.Uniform(seed: 5, touched.Length * RowLength), TableOffset);

        var stateAfter = OptimizerStateSnapshot.Of(optimizer);
        for (var row = 0; row < RowCount; row++)
        {
            var start = TableOffset + (row * RowLength);
            var changed = !flat.AsSpan(start, RowLength).SequenceEqual(parametersBefore.AsSpan(start, RowLength));
            Assert.Equal(touched.Contains(row), changed);
            if (!touched.Contains(row))
            {
                for (var s = 0; s < stateBefore.Length; s++)
                {
                    FloatAssert.BitIdentical(stateBefore[s].AsSpan(start, RowLength), stateAfter[s].AsSpan(start, RowLength));
                }
            }
        }

        FloatAssert.BitIdentical(parametersBefore.AsSpan(0, TableOffset), flat.AsSpan(0, TableOffset));
    }

    [Theory]
    [InlineData(OptimizerKind.Sgd)]
    [InlineData(OptimizerKind.Momentum)]
    [InlineData(OptimizerKind.Adam)]
    public void UpdateRows_EveryRowInShuffledOrder_EqualsDenseUpdateBitForBit(OptimizerKind kind)
    {
        var options = TestOptions.For(kind);
        var lazy = Optimizer.Create(options, ParameterCount);
        var dense = Optimizer.Create(options, ParameterCount);
        var lazyFlat = SeededData.Uniform(seed: 6, ParameterCount);
        var denseFlat = lazyFlat.ToArray();
        var random = new MathNet.Numerics.Random.Xoshiro256StarStar(7);

        for (var step = 0; step < 4; step++)
        {
            var gradients = SeededData.Uniform(seed: 10 + step, RowCount * RowLength);
            var order = SeededData.Subset(random, RowCount, RowCount);
            var rowGradients = new float[gradients.Length];
            for (var i = 0; i < order.Length; i++)
            {
                gradients.AsSpan(order[i] * RowLength, RowLength).CopyTo(rowGradients.AsSpan(i * RowLength));
            }

            lazy.BeginStep();
            lazy.UpdateRows(lazyFlat.AsSpan(TableOffset), RowLength, order, rowGradients, TableOffset);
            dense.BeginStep();
            dense.UpdateDense(denseFlat.AsSpan(TableOffset), gradients, TableOffset);
        }

        FloatAssert.BitIdentical(denseFlat, lazyFlat);
        var denseState = OptimizerStateSnapshot.Of(dense);
        var lazyState = OptimizerStateSnapshot.Of(lazy);
        for (var s = 0; s < denseState.Length; s++)
        {
            FloatAssert.BitIdentical(denseState[s], lazyState[s]);
        }
    }

    [Theory]
    [InlineData(OptimizerKind.Sgd)]
    [InlineData(OptimizerKind.Momentum)]
    [InlineData(OptimizerKind.Adam)]
    public void UpdateRows_WeightDecaySet_IgnoresWeightDecay(OptimizerKind kind)
    {
        var decayed = Optimizer.Create(TestOptions.For(kind, weightDecay: 0.5f), ParameterCount);
        var plain = Optimizer.Create(TestOptions.For(kind), ParameterCount);
        var decayedFlat = SeededData.Uniform(seed: 8, ParameterCount);
        var plainFlat = decayedFlat.ToArray();
        int[] rows = [4, 0, 21];
        var rowGradients = SeededData.Uniform(seed: 9, rows.Length * RowLength);

        decayed.BeginStep();
        decayed.UpdateRows(decayedFlat.AsSpan(TableOffset), RowLength, rows, rowGradients, TableOffset);
        plain.BeginStep();
        plain.UpdateRows(plainFlat.AsSpan(TableOffset), RowLength, rows, rowGradients, TableOffset);

        FloatAssert.BitIdentical(plainFlat, decayedFlat);
    }
}
