using Federated.Model.Optimization;

namespace Federated.Model.Tests.Optimization;

public sealed class SgdOptimizerTests
{
    [Fact]
    public void UpdateDense_TwoSteps_MatchesHandComputed()
    {
        // lr = 0.1: p ← p − 0.1·g.
        // Step 1, g = (0.5, 0.25): (1, −2) → (0.95, −2.025).
        // Step 2, g = (−1, 2):     → (1.05, −2.225).
        var optimizer = Optimizer.Create(new OptimizerOptions { Kind = OptimizerKind.Sgd, LearningRate = 0.1f }, 2);
        float[] parameters = [1f, -2f];

        optimizer.BeginStep();
        optimizer.UpdateDense(parameters, [0.5f, 0.25f], 0);
        FloatAssert.Close([0.95, -2.025], parameters, 1e-6);
        optimizer.BeginStep();
        optimizer.UpdateDense(parameters, [-1f, 2f], 0);

        FloatAssert.Close([1.05, -2.225], parameters, 1e-6);
    }

    [Fact]
    public void UpdateDense_WeightDecay_AddsCoupledL2ToGradient()
    {
        // lr = 0.1, λ = 0.1: g' = g + 0.1·p = (0.5 + 0.1, 0.25 − 0.2) = (0.6, 0.05); p ← p − 0.1·g' = (0.94, −2.005).
        var options = new OptimizerOptions { Kind = OptimizerKind.Sgd, LearningRate = 0.1f, WeightDecay = 0.1f };
        var optimizer = Optimizer.Create(options, 2);
        float[] parameters = [1f, -2f];

        optimizer.BeginStep();
        optimizer.UpdateDense(parameters, [0.5f, 0.25f], 0);

        FloatAssert.Close([0.94, -2.005], parameters, 1e-6);
    }
}
