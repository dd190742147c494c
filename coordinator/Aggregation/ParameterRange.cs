namespace Federated.Coordinator.Aggregation;

/// <summary>A range of float indices into a flat parameter buffer.</summary>
/// <param name="Offset">First index, ≥ 0.</param>
/// <param name="Length">Number of floats, ≥ 0.</param>
public readonly record struct ParameterRange(int Offset, int Length)
{
    /// <summary>One past the last index.</summary>
    public int End => Offset + Length;
}
