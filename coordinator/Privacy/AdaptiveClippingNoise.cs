namespace Federated.Coordinator.Privacy;

/// <summary>
/// The noise budget of DP-FedAvg with adaptive clipping: the clipped-count estimate (noise σ_b) is released too, so the
/// update's noise multiplier z_Δ is raised until both releases together cost what z alone would:
/// z_Δ = (z⁻² − (2σ_b)⁻²)^(−1/2) (Andrew, Thakkar, McMahan and Ramaswamy, <i>Differentially Private Learning with
/// Adaptive Clipping</i>, NeurIPS 2021, §3.2).
/// </summary>
public static class AdaptiveClippingNoise
{
    /// <summary>z_Δ for a total noise multiplier <paramref name="noiseMultiplier"/> and count noise <paramref name="countNoise"/>.</summary>
    /// <param name="noiseMultiplier">z &gt; 0, the noise multiplier the accountant is told.</param>
    /// <param name="countNoise">σ_b &gt; 0, the standard deviation of the noise on the clipped count (e.g. m/20 for m expected clients).</param>
    /// <exception cref="ArgumentOutOfRangeException">z or σ_b not a finite number &gt; 0.</exception>
    /// <exception cref="ArgumentException">z ≥ 2σ_b: the count's release alone would cost the whole budget.</exception>
    public static double UpdateNoiseMultiplier(double noiseMultiplier, double countNoise)
    {
        if (!(noiseMultiplier > 0) || !double.IsFinite(noiseMultiplier))
        {
            throw new ArgumentOutOfRangeException(nameof(noiseMultiplier), noiseMultiplier, "the noise multiplier must be a finite number > 0");
        }

        if (!(countNoise > 0) || !double.IsFinite(countNoise))
        {
            throw new ArgumentOutOfRangeException(nameof(countNoise), countNoise, "the clipped-count noise must be a finite number > 0");
        }

        if (noiseMultiplier >= 2 * countNoise)
        {
            throw new ArgumentException($"noise multiplier {noiseMultiplier} needs a clipped-count noise above {noiseMultiplier / 2} (it is {countNoise}): raise the count noise or lower the noise multiplier", nameof(countNoise));
        }

        var twiceCount = 2 * countNoise;
        return Math.Pow(Math.Pow(noiseMultiplier, -2) - Math.Pow(twiceCount, -2), -0.5);
    }
}
