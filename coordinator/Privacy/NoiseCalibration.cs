namespace Federated.Coordinator.Privacy;

/// <summary>
/// The smallest noise multiplier z whose ε after a given number of steps stays within a target: ε falls as z grows, so z
/// is bracketed by doubling and then bisected; the answer is always the bracket's safe end, so ε(z) ≤ target holds
/// exactly as computed (never an overshoot to be rounded away).
/// </summary>
public static class NoiseCalibration
{
    /// <summary>Bisection stops when the bracket is narrower than this fraction of z.</summary>
    private const double RelativeTolerance = 1e-6;

    /// <summary>A noise multiplier beyond which the target is called unreachable (ε barely moves past it).</summary>
    private const double MaxNoiseMultiplier = 1e6;

    /// <summary>Finds z.</summary>
    /// <param name="targetEpsilon">ε &gt; 0 to stay within.</param>
    /// <param name="delta">δ ∈ (0, 1).</param>
    /// <param name="sampleRate">q ∈ (0, 1].</param>
    /// <param name="steps">Rounds, ≥ 1.</param>
    /// <param name="orders">The RDP grid; default <see cref="RdpOrders.Default"/>.</param>
    /// <returns>z and the ε it gives (≤ <paramref name="targetEpsilon"/>).</returns>
    /// <exception cref="ArgumentOutOfRangeException">A parameter outside its range.</exception>
    /// <exception cref="ArgumentException">No z up to 10⁶ reaches the target.</exception>
    public static (double NoiseMultiplier, PrivacySpent Spent) NoiseMultiplierFor(double targetEpsilon, double delta, double sampleRate, long steps, IReadOnlyList<double>? orders = null)
    {
        if (!(targetEpsilon > 0) || !double.IsFinite(targetEpsilon))
        {
            throw new ArgumentOutOfRangeException(nameof(targetEpsilon), targetEpsilon, "the target ε must be a finite number > 0");
        }

        if (!(sampleRate > 0 && sampleRate <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(sampleRate), sampleRate, "the sample rate must be in (0, 1]");
        }

        if (steps < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(steps), steps, "the number of steps must be ≥ 1");
        }

        PrivacySpent At(double z) => RdpAccountant.Epsilon(sampleRate, z, steps, delta, orders);

        var (low, high) = (0.0, 1.0);
        var atHigh = At(high);
        while (atHigh.Epsilon > targetEpsilon)
        {
            (low, high) = (high, high * 2);
            if (high > MaxNoiseMultiplier)
            {
                throw new ArgumentException($"no noise multiplier up to {MaxNoiseMultiplier:G} keeps ε within {targetEpsilon} (δ = {delta}, q = {sampleRate}, {steps} steps)", nameof(targetEpsilon));
            }

            atHigh = At(high);
        }

        while (high - low > RelativeTolerance * high)
        {
            var middle = (low + high) / 2;
            var atMiddle = At(middle);
            if (atMiddle.Epsilon <= targetEpsilon)
            {
                (high, atHigh) = (middle, atMiddle);
            }
            else
            {
                low = middle;
            }
        }

        return (high, atHigh);
    }
}
