using System.Globalization;

namespace Federated.Client.Federation;

/// <summary>
/// The differential-privacy guarantee the coordinator states for a private run's versions so far: together they are
/// (ε, δ)-DP, the unit being one client of a round (this node as a whole). Shown to the node's operator; the node acts on
/// nothing in it.
/// </summary>
/// <param name="Epsilon">ε ≥ 0 (natural-log units).</param>
/// <param name="Delta">δ ∈ (0, 1).</param>
/// <param name="TargetEpsilon">The run's target ε, or null when it has none.</param>
public sealed record RunPrivacy(double Epsilon, double Delta, double? TargetEpsilon)
{
    /// <summary>The guarantee as a coordinator sent it, or null when its figures are out of range (not finite, ε &lt; 0, δ ∉ (0, 1)).</summary>
    public static RunPrivacy? From(double epsilon, double delta, double? targetEpsilon) =>
        double.IsFinite(epsilon) && epsilon >= 0 && delta > 0 && delta < 1 && targetEpsilon is null or (> 0 and < double.PositiveInfinity)
            ? new RunPrivacy(epsilon, delta, targetEpsilon)
            : null;

    /// <summary>For people, e.g. <c>ε = 1.23 of 4 at δ = 1e-05</c>.</summary>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"ε = {Epsilon:0.00}{(TargetEpsilon is { } t ? $" of {t:G}" : "")} at δ = {Delta:0.#####e+00}");
}
