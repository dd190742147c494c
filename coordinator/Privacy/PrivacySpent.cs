namespace Federated.Coordinator.Privacy;

/// <summary>An (ε, δ) guarantee and the Rényi order it was obtained at.</summary>
/// <param name="Epsilon">ε ≥ 0 in nats; +∞ when nothing bounds it (no noise).</param>
/// <param name="Delta">δ ∈ (0, 1).</param>
/// <param name="Order">The order α of the grid that gave the smallest ε (NaN when ε is +∞ at every order).</param>
public readonly record struct PrivacySpent(double Epsilon, double Delta, double Order);
