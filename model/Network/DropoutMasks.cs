using MathNet.Numerics.Random;

namespace Federated.Model.Network;

/// <summary>Draws inverted-dropout masks (0 or 1/(1−p)) from a seeded stream, one per hidden layer and step.</summary>
internal sealed class DropoutMasks
{
    private readonly Xoshiro256StarStar _random;
    private readonly float _keepScale;

    public DropoutMasks(float rate, int seed)
    {
        Rate = rate;
        _keepScale = 1f / (1f - rate);
        _random = new Xoshiro256StarStar(seed, threadSafe: false);
    }

    public float Rate { get; }

    /// <summary>Fills <paramref name="mask"/> with 0 (probability p) or 1/(1−p).</summary>
    public void Fill(Span<float> mask)
    {
        for (var i = 0; i < mask.Length; i++)
        {
            mask[i] = _random.NextDouble() < Rate ? 0f : _keepScale;
        }
    }
}
