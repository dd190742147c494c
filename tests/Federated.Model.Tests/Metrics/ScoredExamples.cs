using MathNet.Numerics.Distributions;
using MathNet.Numerics.Random;

namespace Federated.Model.Tests.Metrics;

/// <summary>Seeded synthetic evaluation data.</summary>
internal static class ScoredExamples
{
    /// <summary>
    /// Binary labels with positive rate <paramref name="positiveRate"/> and probabilities
    /// σ(separation·y + N(0, 1) − separation/2), so that a larger separation gives a higher AUC.
    /// A fraction <paramref name="missingRate"/> of labels is NaN.
    /// </summary>
    public static (float[] Probabilities, float[] Labels) Binary(
        int seed, int count, double separation = 1.5, double positiveRate = 0.3, double missingRate = 0)
    {
        var random = new Xoshiro256StarStar(seed);
        var noise = new Normal(0, 1, random);
        var probabilities = new float[count];
        var labels = new float[count];
        for (var i = 0; i < count; i++)
        {
            var y = random.NextDouble() < positiveRate ? 1f : 0f;
            var z = (separation * y) + noise.Sample() - (separation / 2);
            probabilities[i] = (float)(1 / (1 + Math.Exp(-z)));
            labels[i] = random.NextDouble() < missingRate ? float.NaN : y;
        }

        return (probabilities, labels);
    }

    /// <summary>Labels N(3.5, 1.2²) and predictions label + N(0.1, 0.8²).</summary>
    public static (float[] Predictions, float[] Labels) Regression(int seed, int count)
    {
        var random = new Xoshiro256StarStar(seed);
        var labelDistribution = new Normal(3.5, 1.2, random);
        var errorDistribution = new Normal(0.1, 0.8, random);
        var predictions = new float[count];
        var labels = new float[count];
        for (var i = 0; i < count; i++)
        {
            labels[i] = (float)labelDistribution.Sample();
            predictions[i] = labels[i] + (float)errorDistribution.Sample();
        }

        return (predictions, labels);
    }
}
