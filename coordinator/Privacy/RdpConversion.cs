using MathNet.Numerics;

namespace Federated.Coordinator.Privacy;

/// <summary>
/// From Rényi DP to (ε, δ)-DP: ε = min over α of ε_α + log((α − 1)/α) − (log δ + log α)/(α − 1), the conversion of
/// Balle, Barthe, Gaboardi, Hsu and Sato, <i>Hypothesis Testing Interpretations and Rényi Differential Privacy</i>
/// (AISTATS 2020, Theorem 21), tighter than Mironov's ε_α + log(1/δ)/(α − 1) and the one Opacus and TF Privacy use.
/// </summary>
public static class RdpConversion
{
    /// <summary>Below this order the conversion is numerically unstable and never the best: such orders give ε = +∞.</summary>
    private const double MinimumOrder = 1.01;

    /// <summary>The smallest ε over the grid for <paramref name="delta"/>.</summary>
    /// <param name="orders">The orders α (each &gt; 1).</param>
    /// <param name="rdp">ε_α at each order (≥ 0, +∞ allowed), same length.</param>
    /// <param name="delta">δ ∈ (0, 1).</param>
    /// <exception cref="ArgumentException">Lengths differ, δ outside (0, 1), a negative or NaN ε_α.</exception>
    public static PrivacySpent ToEpsilon(IReadOnlyList<double> orders, IReadOnlyList<double> rdp, double delta)
    {
        ArgumentNullException.ThrowIfNull(orders);
        ArgumentNullException.ThrowIfNull(rdp);
        if (orders.Count != rdp.Count || orders.Count == 0)
        {
            throw new ArgumentException($"{orders.Count} orders but {rdp.Count} RDP values", nameof(rdp));
        }

        if (!(delta > 0 && delta < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(delta), delta, "δ must be in (0, 1)");
        }

        var best = new PrivacySpent(double.PositiveInfinity, delta, double.NaN);
        for (var k = 0; k < orders.Count; k++)
        {
            var (alpha, r) = (orders[k], rdp[k]);
            if (!(r >= 0))
            {
                throw new ArgumentException($"RDP value {r} at order {alpha} is not ≥ 0", nameof(rdp));
            }

            double epsilon;
            if ((delta * delta) + SpecialFunctions.Expm1(-r) >= 0)
            {
                // So little divergence that the KL bound δ ≤ √(1 − e^−KL) already gives ε = 0.
                epsilon = 0;
            }
            else if (alpha > MinimumOrder && double.IsFinite(r))
            {
                epsilon = r + SpecialFunctions.Log1p(-1 / alpha) - (Math.Log(delta * alpha) / (alpha - 1));
            }
            else
            {
                epsilon = double.PositiveInfinity;
            }

            if (epsilon < best.Epsilon)
            {
                best = new PrivacySpent(Math.Max(0, epsilon), delta, alpha);
            }
        }

        return best;
    }
}
