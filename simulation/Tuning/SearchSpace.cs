using MathNet.Numerics.Random;

namespace Federated.Simulation.Tuning;

/// <summary>
/// Where the random search draws its trials (Bergstra and Bengio 2012, "Random search for hyper-parameter
/// optimization"): the learning rate and L2 log-uniform, local epochs, batch size, dimension and trunk widths uniform
/// over short lists. Dimension and trunk are drawn only when the model may be reshaped (the built-in model).
/// </summary>
public sealed record SearchSpace
{
    /// <summary>Learning rate range, log-uniform. Default [0.001, 0.03].</summary>
    public (double Min, double Max) LearningRate { get; init; } = (1e-3, 3e-2);

    /// <summary>L2 range, log-uniform. Default [1e-6, 1e-2].</summary>
    public (double Min, double Max) L2 { get; init; } = (1e-6, 1e-2);

    /// <summary>Local epochs. Default 1, 2, 3.</summary>
    public IReadOnlyList<int> LocalEpochs { get; init; } = [1, 2, 3];

    /// <summary>Batch sizes. Default 32, 64, 128, 256.</summary>
    public IReadOnlyList<int> BatchSizes { get; init; } = [32, 64, 128, 256];

    /// <summary>Embedding dimensions of the main fields; empty: not searched. Default 8, 16, 32, 64.</summary>
    public IReadOnlyList<int> Dims { get; init; } = [8, 16, 32, 64];

    /// <summary>Trunk widths; empty: not searched. Default [32, 16], [64, 32], [128, 64], [256, 128].</summary>
    public IReadOnlyList<IReadOnlyList<int>> Trunks { get; init; } = [[32, 16], [64, 32], [128, 64], [256, 128]];

    /// <summary>The space without the model's shape (for a model given as a spec file).</summary>
    public SearchSpace WithoutShape() => this with { Dims = [], Trunks = [] };

    /// <summary>Draws <paramref name="count"/> trials; the same for the same seed in any process.</summary>
    public IReadOnlyList<TrialSettings> Sample(int count, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var random = new Xoshiro256StarStar(seed, threadSafe: false);
        var trials = new List<TrialSettings>(count);
        for (var k = 0; k < count; k++)
        {
            // Every draw is made in the same order whatever is searched, so a trial's other settings do not depend on it.
            var learningRate = (float)LogUniform(random, LearningRate);
            var l2 = (float)LogUniform(random, L2);
            var epochs = LocalEpochs[random.Next(LocalEpochs.Count)];
            var batch = BatchSizes[random.Next(BatchSizes.Count)];
            var dim = random.Next(Math.Max(1, Dims.Count));
            var trunk = random.Next(Math.Max(1, Trunks.Count));
            trials.Add(new TrialSettings(learningRate, l2, epochs, batch, Dims.Count == 0 ? null : Dims[dim], Trunks.Count == 0 ? null : Trunks[trunk]));
        }

        return trials;
    }

    private static double LogUniform(Xoshiro256StarStar random, (double Min, double Max) range) =>
        Math.Exp(Math.Log(range.Min) + (random.NextDouble() * (Math.Log(range.Max) - Math.Log(range.Min))));
}
