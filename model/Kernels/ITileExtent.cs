namespace Federated.Model.Kernels;

/// <summary>
/// A compile-time integer carried by a struct type argument, so a generic micro-kernel specialised on
/// it has its tile height or width folded to a constant and its unused accumulators removed.
/// </summary>
internal interface ITileExtent
{
    /// <summary>Gets the constant, 1 to 6.</summary>
    static abstract int Value { get; }
}
