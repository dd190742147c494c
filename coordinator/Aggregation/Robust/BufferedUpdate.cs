namespace Federated.Coordinator.Aggregation.Robust;

/// <summary>
/// One update as an <see cref="UpdateBuffer"/> keeps it: its weights, its L2 norm, and where each tensor's values are
/// (in <see cref="Values"/> or at <see cref="FileOffset"/> in the spill file), concatenated in layout order.
/// </summary>
internal sealed class BufferedUpdate
{
    public BufferedUpdate(UpdateWeights weights, double norm, bool[] present, int[]?[] rows, long[] starts)
    {
        Weights = weights;
        Norm = norm;
        Present = present;
        Rows = rows;
        Starts = starts;
    }

    /// <summary>The update's example counts.</summary>
    public UpdateWeights Weights { get; }

    /// <summary>‖Δ‖₂ over every value the update carried, as sent (before any norm bound).</summary>
    public double Norm { get; }

    /// <summary>Whether the update carried each tensor of the layout.</summary>
    public bool[] Present { get; }

    /// <summary>Per tensor: the rows sent, ascending, for a row-sparse table; null when sent dense (or absent).</summary>
    public int[]?[] Rows { get; }

    /// <summary>Per tensor: the position of its first value among the update's values; one more entry holds the total.</summary>
    public long[] Starts { get; }

    /// <summary>The values, when kept in memory; null when spilled.</summary>
    public float[]? Values { get; set; }

    /// <summary>The byte offset of the values in the spill file, when spilled.</summary>
    public long FileOffset { get; set; }

    /// <summary>Floats carried.</summary>
    public long Length => Starts[^1];
}
