namespace Federated.Client.Training.Updates;

/// <summary>
/// Where the steps of a node's update pipeline go, in ascending order:
/// delta (0) → clip (100) → noise (200) → quantise (300) → mask (400). A step between two stages takes any number in
/// between, e.g. <c>Clip - 1</c> to run just before clipping; steps of equal stage keep the order of their factories
/// (the standard ones first).
/// </summary>
public static class NodeUpdateStage
{
    /// <summary>Computing Δ from the trained and global parameters; the first step, and the lowest stage allowed.</summary>
    public const int Delta = 0;

    /// <summary>Clipping Δ to the plan's L2 bound.</summary>
    public const int Clip = 100;

    /// <summary>Local noise (after clipping, so that the bound holds the sensitivity).</summary>
    public const int Noise = 200;

    /// <summary>Quantisation for transport.</summary>
    public const int Quantise = 300;

    /// <summary>Secure-aggregation masking; the last step before sending.</summary>
    public const int Mask = 400;
}
