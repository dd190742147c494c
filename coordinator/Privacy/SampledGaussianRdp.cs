using MathNet.Numerics;

namespace Federated.Coordinator.Privacy;

/// <summary>
/// Rényi differential privacy of one step of the Poisson-subsampled Gaussian mechanism: each client is in the step
/// independently with probability q, the sum of the clipped contributions gets N(0, z²S²) noise (z the noise
/// multiplier, S the clip norm), and neighbouring data sets differ in one client.
/// </summary>
/// <remarks>
/// Mironov, Talwar and Zhang, <i>Rényi Differential Privacy of the Sampled Gaussian Mechanism</i> (2019), §3.3: the
/// RDP of order α is log(A_α) / (α − 1), with A_α the exact binomial series at integer α and the two-sided signed
/// series (with erfc tails) at fractional α; both in log space. Special cases exactly: q = 0 → 0, z = 0 → ∞,
/// q = 1 → α / (2z²) (the plain Gaussian mechanism; Mironov, <i>Rényi Differential Privacy</i>, CSF 2017).
/// </remarks>
public static class SampledGaussianRdp
{
    /// <summary>The fractional series stops once both of its next terms are below e^−30 of absolute size.</summary>
    private const double FractionalTailLog = -30;

    /// <summary>A bound on the fractional series' length, far beyond what any order in use needs (a guard, not a limit).</summary>
    private const int MaxFractionalTerms = 100_000;

    /// <summary>The RDP of one step at <paramref name="order"/>.</summary>
    /// <param name="sampleRate">q ∈ [0, 1], the probability that a client is in the step.</param>
    /// <param name="noiseMultiplier">z ≥ 0, the noise's standard deviation in units of the clip norm.</param>
    /// <param name="order">α &gt; 1.</param>
    /// <returns>ε_α ≥ 0 in nats; +∞ when z = 0 and q &gt; 0.</returns>
    /// <exception cref="ArgumentOutOfRangeException">q outside [0, 1], z negative or not finite, α ≤ 1 or not finite.</exception>
    public static double Compute(double sampleRate, double noiseMultiplier, double order)
    {
        if (!(sampleRate >= 0 && sampleRate <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(sampleRate), sampleRate, "the sample rate must be in [0, 1]");
        }

        if (!(noiseMultiplier >= 0) || !double.IsFinite(noiseMultiplier))
        {
            throw new ArgumentOutOfRangeException(nameof(noiseMultiplier), noiseMultiplier, "the noise multiplier must be a finite number ≥ 0");
        }

        if (!(order > 1) || !double.IsFinite(order))
        {
            throw new ArgumentOutOfRangeException(nameof(order), order, "an RDP order must be a finite number > 1");
        }

        if (sampleRate == 0)
        {
            return 0;
        }

        if (noiseMultiplier == 0)
        {
            return double.PositiveInfinity;
        }

        if (sampleRate == 1)
        {
            return order / (2 * noiseMultiplier * noiseMultiplier);
        }

        var logA = order == Math.Floor(order) && order <= int.MaxValue
            ? LogAIntegerOrder(sampleRate, noiseMultiplier, (int)order)
            : LogAFractionalOrder(sampleRate, noiseMultiplier, order);
        return logA / (order - 1);
    }

    /// <summary>log A_α = log Σ_{i=0..α} C(α, i) (1 − q)^(α−i) q^i exp((i² − i) / (2σ²)).</summary>
    private static double LogAIntegerOrder(double q, double sigma, int alpha)
    {
        var logQ = Math.Log(q);
        var logOneMinusQ = SpecialFunctions.Log1p(-q);
        var twoSigmaSquared = 2 * sigma * sigma;
        var logA = double.NegativeInfinity;
        for (var i = 0; i <= alpha; i++)
        {
            var term = SpecialFunctions.BinomialLn(alpha, i) + (i * logQ) + ((alpha - i) * logOneMinusQ) + (((double)i * i - i) / twoSigmaSquared);
            logA = LogSpace.Add(logA, term);
        }

        return logA;
    }

    /// <summary>
    /// log A_α for fractional α: A_α = A₀ + A₁, two series over i ≥ 0 with generalised binomial coefficients C(α, i) (of
    /// alternating sign past i &gt; α), each term weighted by a Gaussian tail mass on either side of z₀ = σ² log(1/q − 1) + ½.
    /// </summary>
    private static double LogAFractionalOrder(double q, double sigma, double alpha)
    {
        var logA0 = double.NegativeInfinity;
        var logA1 = double.NegativeInfinity;
        var z0 = (sigma * sigma * Math.Log((1 / q) - 1)) + 0.5;
        var logQ = Math.Log(q);
        var logOneMinusQ = SpecialFunctions.Log1p(-q);
        var twoSigmaSquared = 2 * sigma * sigma;
        var sqrtTwoSigma = Math.Sqrt(2) * sigma;
        var logHalf = Math.Log(0.5);
        var coefficient = 1.0; // C(α, 0), then C(α, i + 1) = C(α, i) (α − i) / (i + 1)
        for (var i = 0; i < MaxFractionalTerms; i++)
        {
            var logCoefficient = Math.Log(Math.Abs(coefficient));
            var j = alpha - i;
            var logT0 = logCoefficient + (i * logQ) + (j * logOneMinusQ);
            var logT1 = logCoefficient + (j * logQ) + (i * logOneMinusQ);
            var logE0 = logHalf + LogSpace.LogErfc((i - z0) / sqrtTwoSigma);
            var logE1 = logHalf + LogSpace.LogErfc((z0 - j) / sqrtTwoSigma);
            var logS0 = logT0 + (((double)i * i - i) / twoSigmaSquared) + logE0;
            var logS1 = logT1 + (((j * j) - j) / twoSigmaSquared) + logE1;
            if (coefficient > 0)
            {
                logA0 = LogSpace.Add(logA0, logS0);
                logA1 = LogSpace.Add(logA1, logS1);
            }
            else
            {
                logA0 = LogSpace.Subtract(logA0, logS0);
                logA1 = LogSpace.Subtract(logA1, logS1);
            }

            if (Math.Max(logS0, logS1) < FractionalTailLog)
            {
                return LogSpace.Add(logA0, logA1);
            }

            coefficient *= (alpha - i) / (i + 1);
        }

        throw new ArithmeticException($"the RDP series at order {alpha} (q = {q}, z = {sigma}) did not converge in {MaxFractionalTerms} terms");
    }
}
