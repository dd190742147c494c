namespace Federated.Simulation.Attacks;

/// <summary>What a malicious virtual client does (see <see cref="AttackSpec"/>).</summary>
public enum AttackKind
{
    /// <summary>Sends −Δ instead of Δ.</summary>
    SignFlip,

    /// <summary>Sends K·Δ.</summary>
    Scale,

    /// <summary>Sends N(0, σ²) noise per coordinate instead of Δ (same tensors and row sets).</summary>
    Gaussian,

    /// <summary>Trains honestly on flipped training labels.</summary>
    LabelFlip,
}
