using Federated.Model.Optimization;

namespace Federated.Model.Tests.Optimization;

public sealed class AdamOptimizerTests
{
    [Fact]
    public void UpdateDense_TinyCase_MatchesPyTorchNumbers()
    {
        // torch.optim.Adam([p], lr=0.1) (β1 = 0.9, β2 = 0.999, ε = 1e-8), p0 = 1, gradients 0.5, −1, 2.
        // Values from the PyTorch update  p ← p − lr·m̂ / (√v̂ + ε),  m̂ = m/(1 − β1ᵗ),  v̂ = v/(1 − β2ᵗ), by hand:
        // t = 1: m = 0.05,    v = 0.00025,     m̂ = 0.5,        v̂ = 0.25,        p = 1 − 0.1·0.5/0.5         = 0.900000002
        // t = 2: m = −0.055,  v = 0.00124975,  m̂ = −0.289474,  v̂ = 0.625188,    p = 0.9 + 0.1·0.289474/0.790688 = 0.936610354
        // t = 3: m = 0.1505,  v = 0.0052485,   m̂ = 0.555351,   v̂ = 1.751251,    p = 0.936610 − 0.1·0.555351/1.323349 = 0.894644793
        var optimizer = (AdamOptimizer)Optimizer.Create(new OptimizerOptions { LearningRate = 0.1f }, 1);
        float[] parameters = [1f];
        float[] gradients = [0.5f, -1f, 2f];
        double[] expectedParameters = [0.900000002, 0.936610354, 0.894644793];
        double[] expectedFirst = [0.05, -0.055, 0.1505];
        double[] expectedSecond = [0.00025, 0.00124975, 0.0052485];

        for (var t = 0; t < gradients.Length; t++)
        {
            optimizer.BeginStep();
            optimizer.UpdateDense(parameters, gradients.AsSpan(t, 1), 0);

            FloatAssert.Close([expectedParameters[t]], parameters, 1e-6);
            FloatAssert.Close([expectedFirst[t]], optimizer.FirstMoments, 1e-6);
            FloatAssert.Close([expectedSecond[t]], optimizer.SecondMoments, 1e-6);
        }
    }

    [Fact]
    public void UpdateDense_FirstStep_MovesEveryParameterByLearningRateWhateverTheGradientScale()
    {
        // At t = 1, m̂ = g and √v̂ = |g|, so the step is lr·sign(g) up to ε.
        var optimizer = Optimizer.Create(new OptimizerOptions { LearningRate = 0.01f }, 4);
        float[] parameters = [0f, 0f, 0f, 0f];

        optimizer.BeginStep();
        optimizer.UpdateDense(parameters, [1e-3f, -1f, 50f, -1e4f], 0);

        FloatAssert.Close([-0.01, 0.01, -0.01, 0.01], parameters, 1e-6);
    }

    [Fact]
    public void UpdateRows_RowFirstTouchedAtStepThree_CorrectsBiasWithGlobalStep()
    {
        // SparseAdam semantics: row 1 is first touched at t = 3 with g = 2, so m = 0.1·g, v = 0.001·g², and the
        // corrections use t = 3: step = lr·(0.1/(1 − 0.9³)) / (√(0.001/(1 − 0.999³)) + ε/|g|) ≈ 0.63881·lr.
        var optimizer = Optimizer.Create(new OptimizerOptions { LearningRate = 0.1f }, 2);
        float[] table = [0f, 0f];

        for (var t = 1; t <= 3; t++)
        {
            optimizer.BeginStep();
            optimizer.UpdateRows(table, rowLength: 1, rows: [0], rowGradients: [1f], offset: 0);
        }

        optimizer.UpdateRows(table, rowLength: 1, rows: [1], rowGradients: [2f], offset: 0);

        var firstHat = 0.1 * 2 / (1 - Math.Pow(0.9, 3));
        var secondHat = 0.001 * 4 / (1 - Math.Pow(0.999, 3));
        var expected = -0.1 * firstHat / (Math.Sqrt(secondHat) + 1e-8);
        Assert.Equal(-0.06388, expected, 5);
        FloatAssert.Close([expected], table.AsSpan(1, 1), 1e-6);
    }
}
