using System.Numerics.Tensors;

namespace Federated.Coordinator.Privacy;

/// <summary>
/// Gaussian noise for differential privacy, drawn from a cryptographic byte stream (<see cref="AesCounterRandom"/>, never
/// <see cref="System.Random"/>) and hardened against the floating-point attacks on naive samplers: each value is the sum
/// of <see cref="DrawsPerValue"/> independent Box–Muller draws, scaled back to the asked standard deviation, as
/// Opacus's secure mode does (Holohan and Braghin, <i>Secure Random Sampling in Differential Privacy</i>, ESORICS 2021:
/// a single draw's low-order bits can reveal the value it was added to; a sum of several blurs them).
/// </summary>
/// <remarks>Not thread-safe. The uniforms have 53 random bits each; the transform runs over spans with <see cref="TensorPrimitives"/>.</remarks>
public sealed class GaussianNoise : IDisposable
{
    /// <summary>Standard normal draws summed per value; the sum has variance 4, so it is halved.</summary>
    public const int DrawsPerValue = 4;

    /// <summary>Values produced per batch (a batch of uniforms is 2 × this many doubles).</summary>
    private const int Batch = 8192;

    private readonly AesCounterRandom _bytes;
    private readonly byte[] _random = new byte[Batch * 2 * sizeof(ulong)];
    private readonly double[] _radius = new double[Batch];
    private readonly double[] _angle = new double[Batch];
    private readonly double[] _sin = new double[Batch];
    private readonly double[] _cos = new double[Batch];
    private readonly double[] _sum = new double[Batch];

    /// <summary>Noise from <paramref name="bytes"/>, which this instance then owns.</summary>
    public GaussianNoise(AesCounterRandom bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        _bytes = bytes;
    }

    /// <summary>Adds N(0, σ²) independently to every value.</summary>
    /// <param name="values">The values, changed in place.</param>
    /// <param name="standardDeviation">σ ≥ 0, finite.</param>
    public void Add(Span<float> values, double standardDeviation)
    {
        CheckDeviation(standardDeviation);
        for (var start = 0; start < values.Length; start += Batch)
        {
            var part = values.Slice(start, Math.Min(Batch, values.Length - start));
            var noise = NextBatch(part.Length, standardDeviation);
            for (var i = 0; i < part.Length; i++)
            {
                part[i] = (float)(part[i] + noise[i]);
            }
        }
    }

    /// <summary>Writes independent N(0, σ²) values into <paramref name="destination"/>.</summary>
    /// <param name="destination">Receives the noise.</param>
    /// <param name="standardDeviation">σ ≥ 0, finite.</param>
    public void Fill(Span<double> destination, double standardDeviation)
    {
        CheckDeviation(standardDeviation);
        for (var start = 0; start < destination.Length; start += Batch)
        {
            var length = Math.Min(Batch, destination.Length - start);
            NextBatch(length, standardDeviation).CopyTo(destination.Slice(start, length));
        }
    }

    /// <inheritdoc />
    public void Dispose() => _bytes.Dispose();

    private static void CheckDeviation(double standardDeviation)
    {
        if (!(standardDeviation >= 0) || !double.IsFinite(standardDeviation))
        {
            throw new ArgumentOutOfRangeException(nameof(standardDeviation), standardDeviation, "the noise's standard deviation must be a finite number ≥ 0");
        }
    }

    /// <summary>The next <paramref name="count"/> values of N(0, σ²), each a scaled sum of <see cref="DrawsPerValue"/> standard normals.</summary>
    private ReadOnlySpan<double> NextBatch(int count, double standardDeviation)
    {
        var sum = _sum.AsSpan(0, count);
        sum.Clear();

        // Box–Muller gives two normals per pair of uniforms: cos and sin of one angle, so two draws per pass.
        for (var pass = 0; pass < DrawsPerValue / 2; pass++)
        {
            var random = _random.AsSpan(0, count * 2 * sizeof(ulong));
            _bytes.Fill(random);
            var words = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ulong>(random);
            var radius = _radius.AsSpan(0, count);
            var angle = _angle.AsSpan(0, count);
            for (var i = 0; i < count; i++)
            {
                // 53 random bits → u1 ∈ (0, 1] (never 0: its logarithm is taken) and u2 ∈ [0, 1).
                radius[i] = ((words[2 * i] >> 11) + 1) * (1.0 / (1UL << 53));
                angle[i] = (words[(2 * i) + 1] >> 11) * (2 * Math.PI / (1UL << 53));
            }

            // r = √(−2 ln u1); the draws are r cos θ and r sin θ.
            TensorPrimitives.Log(radius, radius);
            TensorPrimitives.Multiply(radius, -2.0, radius);
            TensorPrimitives.Sqrt(radius, radius);
            TensorPrimitives.SinCos(angle, _sin.AsSpan(0, count), _cos.AsSpan(0, count));
            TensorPrimitives.FusedMultiplyAdd(radius, _cos.AsSpan(0, count), sum, sum);
            TensorPrimitives.FusedMultiplyAdd(radius, _sin.AsSpan(0, count), sum, sum);
        }

        // The sum of four standard normals has standard deviation 2.
        TensorPrimitives.Multiply(sum, standardDeviation / Math.Sqrt(DrawsPerValue), sum);
        return sum;
    }
}
