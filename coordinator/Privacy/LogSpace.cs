using MathNet.Numerics;

namespace Federated.Coordinator.Privacy;

/// <summary>
/// Arithmetic on numbers held as their natural logarithms, for the Rényi-DP series whose terms over- and underflow
/// doubles (exp(i²/2σ²) for σ = 0.5 and i = 60 is e^7080). −∞ stands for zero.
/// </summary>
internal static class LogSpace
{
    /// <summary>log(e^a + e^b).</summary>
    public static double Add(double logA, double logB)
    {
        var (high, low) = logA >= logB ? (logA, logB) : (logB, logA);
        return double.IsNegativeInfinity(low) ? high : high + SpecialFunctions.Log1p(Math.Exp(low - high));
    }

    /// <summary>log(e^a − e^b), for a ≥ b.</summary>
    /// <exception cref="ArithmeticException">a &lt; b: the difference would be negative.</exception>
    public static double Subtract(double logA, double logB)
    {
        if (logA < logB)
        {
            throw new ArithmeticException($"log-space subtraction would be negative (log a = {logA}, log b = {logB})");
        }

        if (double.IsNegativeInfinity(logB))
        {
            return logA;
        }

        // e^a − e^b = e^b (e^(a−b) − 1); expm1 keeps the digits when a − b is small.
        return logA == logB ? double.NegativeInfinity : Math.Log(SpecialFunctions.Expm1(logA - logB)) + logB;
    }

    /// <summary>log(erfc(x)), accurate where erfc(x) itself underflows (x &gt; 26).</summary>
    public static double LogErfc(double x)
    {
        var erfc = SpecialFunctions.Erfc(x);
        if (erfc > 0 && (x < 25 || erfc > 1e-280))
        {
            return Math.Log(erfc);
        }

        // The asymptotic (Laurent) series of erfc at +∞: erfc(x) ~ e^(−x²) / (x √π) · e^(−1/(2x²) + 5/(8x⁴) − 37/(24x⁶) + 353/(64x⁸));
        // at x ≥ 25 the next term is below 1e-14.
        var inverseSquare = 1 / (x * x);
        return (-Math.Log(Math.PI) / 2) - Math.Log(x) - (x * x)
            + (inverseSquare * (-0.5 + (inverseSquare * (0.625 + (inverseSquare * ((-37.0 / 24) + (inverseSquare * (353.0 / 64))))))));
    }
}
