namespace Federated.SecureAggregation.Quantization;

/// <summary>
/// Maps a clipped update (floats, L2 norm ≤ S) to fixed point in the ring Z_{2^32} and a sum of at most n such
/// encodings back to floats, with a scale chosen so that the sum of n encodings never wraps around the ring.
/// </summary>
/// <remarks>
/// <para>
/// Encoding: q_i = round(x_i · scale) as a two's-complement int32, read as uint32 (round half away from zero). Every
/// coordinate of a clipped update obeys |x_i| ≤ ‖x‖₂ ≤ S, accepted up to S·(1 + <see cref="NormTolerance"/>) for the
/// float rounding of the clip, so |q_i| ≤ S·(1 + τ)·scale + ½ and any sum of n encodings has
/// |Σ q_i| ≤ n·(S·(1 + τ)·scale + ½). The ring's 32 bits leave 31 for the magnitude of a signed sum, hence
/// </para>
/// <para><c>scale = (2^31 − 1 − n) / (n · S · (1 + τ))</c>,</para>
/// <para>
/// for which the bound is ≤ 2^31 − 1 − n/2: the sum, read back as int32, is the exact integer sum. Decoding divides by
/// the scale, so the sum of n decoded updates is off from the float sum by at most n / (2 · scale) per coordinate
/// (<see cref="MaxSumError"/>). Example: S = 1, n = 100 gives scale ≈ 2.1·10^7 and a sum error ≤ 2.3·10^-6.
/// </para>
/// </remarks>
public sealed class FixedPointQuantizer
{
    /// <summary>Bits of the ring the masks live in (Z_{2^32}); one is the sign of the sum.</summary>
    public const int RingBits = 32;

    /// <summary>Relative slack τ on the clip norm, for updates clipped in float arithmetic.</summary>
    public const double NormTolerance = 1e-5;

    /// <summary>Creates the codec for updates of L2 norm at most <paramref name="clipNorm"/> and sums of at most <paramref name="maxSummands"/> of them.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The clip norm is not a positive finite number, or the summands cannot fit the ring (n ≥ 2^30).</exception>
    public FixedPointQuantizer(double clipNorm, int maxSummands)
    {
        if (!double.IsFinite(clipNorm) || clipNorm <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(clipNorm), clipNorm, "the clip norm S must be a positive finite number");
        }

        if (maxSummands < 1 || maxSummands >= 1 << 30)
        {
            throw new ArgumentOutOfRangeException(nameof(maxSummands), maxSummands, $"the number of summands n must be between 1 and 2^30 - 1 for a {RingBits}-bit ring");
        }

        ClipNorm = clipNorm;
        MaxSummands = maxSummands;
        Scale = (int.MaxValue - (double)maxSummands) / (maxSummands * clipNorm * (1 + NormTolerance));
        if (!double.IsFinite(Scale) || Scale <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(clipNorm), clipNorm, $"the clip norm S gives no usable scale for n = {maxSummands} (scale {Scale})");
        }
    }

    /// <summary>The clip norm S the updates obey.</summary>
    public double ClipNorm { get; }

    /// <summary>The largest number n of encodings that may be summed.</summary>
    public int MaxSummands { get; }

    /// <summary>Fixed-point units per unit of update value.</summary>
    public double Scale { get; }

    /// <summary>The largest error per coordinate of a decoded sum of up to n encodings against the float sum: n / (2 · scale).</summary>
    public double MaxSumError => MaxSummands / (2 * Scale);

    /// <summary>Encodes <paramref name="update"/> into <paramref name="destination"/> (same length).</summary>
    /// <exception cref="ArgumentException">A value is not finite, or the L2 norm exceeds the clip norm (the node must clip first).</exception>
    public void Quantize(ReadOnlySpan<float> update, Span<uint> destination)
    {
        if (destination.Length != update.Length)
        {
            throw new ArgumentException($"the destination has {destination.Length} elements, the update {update.Length}", nameof(destination));
        }

        // In double: the bound is checked on the values as they are, not on a float norm rounded down.
        var squares = 0.0;
        foreach (var value in update)
        {
            squares += (double)value * value;
        }

        var norm = Math.Sqrt(squares);
        if (!double.IsFinite(norm))
        {
            throw new ArgumentException("the update has a value that is not finite", nameof(update));
        }

        if (norm > ClipNorm * (1 + NormTolerance))
        {
            throw new ArgumentException($"the update's L2 norm {norm} exceeds the clip norm {ClipNorm}: clip before quantising", nameof(update));
        }

        for (var i = 0; i < update.Length; i++)
        {
            destination[i] = unchecked((uint)(int)Math.Round(update[i] * Scale, MidpointRounding.AwayFromZero));
        }
    }

    /// <summary>Decodes a sum of at most n encodings into floats: (int32) sum / scale.</summary>
    public void Dequantize(ReadOnlySpan<uint> sum, Span<float> destination)
    {
        if (destination.Length != sum.Length)
        {
            throw new ArgumentException($"the destination has {destination.Length} elements, the sum {sum.Length}", nameof(destination));
        }

        for (var i = 0; i < sum.Length; i++)
        {
            destination[i] = (float)(unchecked((int)sum[i]) / Scale);
        }
    }
}
