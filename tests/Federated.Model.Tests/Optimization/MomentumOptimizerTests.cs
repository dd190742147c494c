using Federated.Model.Optimization;

namespace Federated.Model.Tests.Optimization;

public sealed class MomentumOptimizerTests
{
    [Fact]
    public void UpdateDense_ThreeSteps_MatchesHandComputedHeavyBall()
    {
        // PyTorch convention, μ = 0.9, lr = 0.1, p0 = 1:
        // g = 1:  v = 1,                 p = 1 − 0.1        = 0.9
        // g = 1:  v = 0.9 + 1 = 1.9,     p = 0.9 − 0.19     = 0.71
        // g = −2: v = 1.71 − 2 = −0.29,  p = 0.71 + 0.029   = 0.739
        var options = new OptimizerOptions { Kind = OptimizerKind.Momentum, LearningRate = 0.1f, Momentum = 0.9f };
        var optimizer = (MomentumOptimizer)Optimizer.Create(options, 1);
        float[] parameters = [1f];
        float[] gradients = [1f, 1f, -2f];
        double[] expectedParameters = [0.9, 0.71, 0.739];
        double[] expectedVelocity = [1, 1.9, -0.29];

        for (var t = 0; t < gradients.Length; t++)
        {
            optimizer.BeginStep();
            optimizer.UpdateDense(parameters, gradients.AsSpan(t, 1), 0);

            FloatAssert.Close([expectedParameters[t]], parameters, 1e-6);
            FloatAssert.Close([expectedVelocity[t]], optimizer.Velocity, 1e-6);
        }
    }

    [Fact]
    public void UpdateRows_UntouchedRow_KeepsVelocityAndDoesNotCoast()
    {
        // A dense update with g = 0 would still move a row by −lr·μ·v; a lazy update leaves it alone.
        var options = new OptimizerOptions { Kind = OptimizerKind.Momentum, LearningRate = 0.1f, Momentum = 0.9f };
        var optimizer = (MomentumOptimizer)Optimizer.Create(options, 2);
        float[] table = [1f, 1f];

        optimizer.BeginStep();
        optimizer.UpdateRows(table, rowLength: 1, rows: [0, 1], rowGradients: [1f, 1f], offset: 0);
        optimizer.BeginStep();
        optimizer.UpdateRows(table, rowLength: 1, rows: [1], rowGradients: [1f], offset: 0);

        FloatAssert.Close([0.9, 0.71], table, 1e-6);
        FloatAssert.Close([1, 1.9], optimizer.Velocity, 1e-6);
    }
}
