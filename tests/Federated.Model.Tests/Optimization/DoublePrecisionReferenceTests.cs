using Federated.Model.Optimization;
using MathNet.Numerics.Random;

namespace Federated.Model.Tests.Optimization;

/// <summary>
/// Float optimisers against <see cref="ReferenceOptimizer"/> on a flat layout of three tensors:
/// dense [0, 300) (crosses a kernel chunk), a 40×8 embedding table at [300, 620), dense [620, 1000).
/// </summary>
public sealed class DoublePrecisionReferenceTests
{
    private const int DenseALength = 300;
    private const int TableOffset = DenseALength;
    private const int RowCount = 40;
    private const int RowLength = 8;
    private const int DenseCOffset = TableOffset + (RowCount * RowLength);
    private const int ParameterCount = 1000;
    private const int Steps = 6;

    [Theory]
    [InlineData(OptimizerKind.Sgd, 0f)]
    [InlineData(OptimizerKind.Sgd, 0.01f)]
    [InlineData(OptimizerKind.Momentum, 0f)]
    [InlineData(OptimizerKind.Momentum, 0.01f)]
    [InlineData(OptimizerKind.Adam, 0f)]
    [InlineData(OptimizerKind.Adam, 0.01f)]
    public void Update_SeveralStepsOverMixedLayout_MatchesDoubleReference(OptimizerKind kind, float weightDecay)
    {
        var options = TestOptions.For(kind, weightDecay);
        var optimizer = Optimizer.Create(options, ParameterCount);
        var reference = new ReferenceOptimizer(options, ParameterCount);
        var parameters = SeededData.Uniform(seed: 1, ParameterCount);
        var expected = Array.ConvertAll(parameters, p => (double)p);
        var random = new Xoshiro256StarStar(2);

        for (var step = 0; step < Steps; step++)
        {
            var gradients = SeededData.Uniform(seed: 100 + step, ParameterCount);
            var rows = SeededData.Subset(random, RowCount, size: 10);
            var rowGradients = SeededData.Uniform(seed: 200 + step, rows.Length * RowLength);

            optimizer.BeginStep();
            optimizer.UpdateDense(parameters.AsSpan(0, DenseALength), gradients.AsSpan(0, DenseALength), offset: 0);
            optimizer.UpdateRows(
                parameters.AsSpan(TableOffset, RowCount * RowLength), RowLength, rows, rowGradients, TableOffset);
            optimizer.UpdateDense(
                parameters.AsSpan(DenseCOffset), gradients.AsSpan(DenseCOffset), DenseCOffset);

            reference.BeginStep();
            for (var i = 0; i < DenseALength; i++)
            {
                reference.Update(expected, i, gradients[i], dense: true);
            }

            for (var r = 0; r < rows.Length; r++)
            {
                for (var j = 0; j < RowLength; j++)
                {
                    reference.Update(expected, TableOffset + (rows[r] * RowLength) + j, rowGradients[(r * RowLength) + j], dense: false);
                }
            }

            for (var i = DenseCOffset; i < ParameterCount; i++)
            {
                reference.Update(expected, i, gradients[i], dense: true);
            }
        }

        Assert.Equal(Steps, optimizer.Step);
        FloatAssert.Close(expected, parameters, tolerance: 1e-5);
    }
}
