using Federated.Model.Optimization;
using MathNet.Numerics.Random;

namespace Federated.Model.Tests.Optimization;

/// <summary>
/// Minimises L(p) = ½ Σᵢ aᵢ (pᵢ − cᵢ)² with curvatures aᵢ ∈ [0.5, 2) and targets cᵢ ∈ [−1, 1); the gradient is
/// aᵢ (pᵢ − cᵢ) and the minimum is 0 at p = c.
/// </summary>
public sealed class ConvexQuadraticTests
{
    private const int Length = 64;

    [Theory]
    [InlineData(OptimizerKind.Sgd, 300)]
    [InlineData(OptimizerKind.Momentum, 300)]
    [InlineData(OptimizerKind.Adam, 1500)]
    public void UpdateDense_ConvexQuadratic_LossDecreasesToNearZero(OptimizerKind kind, int steps)
    {
        var optimizer = Optimizer.Create(TestOptions.For(kind), Length);
        var curvature = SeededData.Uniform(seed: 20, Length, 0.5f, 2f);
        var target = SeededData.Uniform(seed: 21, Length);
        var parameters = SeededData.Uniform(seed: 22, Length, -3f, 3f);
        var gradients = new float[Length];
        var initialLoss = Loss(parameters, curvature, target);

        for (var step = 0; step < steps; step++)
        {
            Gradient(parameters, curvature, target, gradients);
            optimizer.BeginStep();
            optimizer.UpdateDense(parameters, gradients, 0);
        }

        var finalLoss = Loss(parameters, curvature, target);
        Assert.True(initialLoss > 10, $"Initial loss {initialLoss} too small to show progress.");
        Assert.True(finalLoss < 1e-4, $"{kind}: loss {initialLoss} → {finalLoss} after {steps} steps.");
    }

    [Theory]
    [InlineData(OptimizerKind.Sgd, 1500)]
    [InlineData(OptimizerKind.Momentum, 1500)]
    [InlineData(OptimizerKind.Adam, 6000)]
    public void UpdateRows_ConvexQuadraticWithRandomBatches_LossDecreasesToNearZero(OptimizerKind kind, int steps)
    {
        const int rowLength = 4;
        const int rowCount = Length / rowLength;
        var optimizer = Optimizer.Create(TestOptions.For(kind), Length);
        var curvature = SeededData.Uniform(seed: 23, Length, 0.5f, 2f);
        var target = SeededData.Uniform(seed: 24, Length);
        var table = SeededData.Uniform(seed: 25, Length, -3f, 3f);
        var gradients = new float[Length];
        var rowGradients = new float[rowCount * rowLength];
        var random = new Xoshiro256StarStar(26);
        var initialLoss = Loss(table, curvature, target);

        for (var step = 0; step < steps; step++)
        {
            var rows = SeededData.Subset(random, rowCount, size: 4);
            Gradient(table, curvature, target, gradients);
            for (var i = 0; i < rows.Length; i++)
            {
                gradients.AsSpan(rows[i] * rowLength, rowLength).CopyTo(rowGradients.AsSpan(i * rowLength));
            }

            optimizer.BeginStep();
            optimizer.UpdateRows(table, rowLength, rows, rowGradients.AsSpan(0, rows.Length * rowLength), 0);
        }

        var finalLoss = Loss(table, curvature, target);
        Assert.True(finalLoss < 1e-4, $"{kind}: loss {initialLoss} → {finalLoss} after {steps} steps.");
    }

    private static double Loss(float[] parameters, float[] curvature, float[] target)
    {
        var loss = 0.0;
        for (var i = 0; i < parameters.Length; i++)
        {
            var error = (double)parameters[i] - target[i];
            loss += 0.5 * curvature[i] * error * error;
        }

        return loss;
    }

    private static void Gradient(float[] parameters, float[] curvature, float[] target, float[] gradients)
    {
        for (var i = 0; i < parameters.Length; i++)
        {
            gradients[i] = curvature[i] * (parameters[i] - target[i]);
        }
    }
}
