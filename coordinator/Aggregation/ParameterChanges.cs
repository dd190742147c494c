namespace Federated.Coordinator.Aggregation;

/// <summary>
/// Which values of a flat parameter buffer (<see cref="Federated.Model.Parameters.ParameterSet.Values"/>) a round may
/// have changed: sorted, disjoint, non-adjacent ranges of float indices. A superset is always correct (a range whose
/// values came out equal costs only its copy); a value changed outside the ranges is a bug, since versions are then
/// stored and rebuilt from the ranges alone.
/// </summary>
/// <remarks>
/// A row-sparse FedAvg round changes the rows some update sent and the dense tensors some update carried; a commit then
/// copies and stores those ranges rather than the whole model (see <c>VersionBuffers</c> and the store's delta rows).
/// </remarks>
public sealed class ParameterChanges
{
    private readonly ParameterRange[] _ranges;

    private ParameterChanges(int totalLength, ParameterRange[] ranges)
    {
        TotalLength = totalLength;
        _ranges = ranges;
        long changed = 0;
        foreach (var range in ranges)
        {
            changed += range.Length;
        }

        ChangedValues = changed;
    }

    /// <summary>Floats in the buffer the ranges index.</summary>
    public int TotalLength { get; }

    /// <summary>The ranges, by offset, disjoint and not touching.</summary>
    public IReadOnlyList<ParameterRange> Ranges => _ranges;

    /// <summary>Floats inside the ranges.</summary>
    public long ChangedValues { get; }

    /// <summary>Whether every value is inside the ranges.</summary>
    public bool IsAll => ChangedValues == TotalLength;

    /// <summary>Every value of a buffer of <paramref name="totalLength"/> floats.</summary>
    public static ParameterChanges All(int totalLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(totalLength);
        return new ParameterChanges(totalLength, totalLength == 0 ? [] : [new ParameterRange(0, totalLength)]);
    }

    /// <summary>
    /// The union of <paramref name="ranges"/> (any order, overlapping or touching allowed; empty ones ignored), merged
    /// into sorted disjoint ranges.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A range reaches outside <c>[0, totalLength)</c>.</exception>
    public static ParameterChanges Of(int totalLength, IEnumerable<ParameterRange> ranges)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(totalLength);
        ArgumentNullException.ThrowIfNull(ranges);
        var sorted = ranges.Where(r => r.Length > 0).ToArray();
        foreach (var range in sorted)
        {
            if (range.Offset < 0 || range.Offset > totalLength - range.Length)
            {
                throw new ArgumentOutOfRangeException(nameof(ranges), $"range [{range.Offset}, {range.Offset + (long)range.Length}) is outside a buffer of {totalLength} floats");
            }
        }

        Array.Sort(sorted, static (a, b) => a.Offset.CompareTo(b.Offset));
        var merged = new List<ParameterRange>(sorted.Length);
        foreach (var range in sorted)
        {
            if (merged.Count > 0 && merged[^1].End >= range.Offset)
            {
                var last = merged[^1];
                merged[^1] = new ParameterRange(last.Offset, Math.Max(last.End, range.End) - last.Offset);
            }
            else
            {
                merged.Add(range);
            }
        }

        return new ParameterChanges(totalLength, [.. merged]);
    }

    /// <summary>The union of two change sets over the same buffer.</summary>
    /// <exception cref="ArgumentException">The two index buffers of different lengths.</exception>
    public ParameterChanges Union(ParameterChanges other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.TotalLength != TotalLength)
        {
            throw new ArgumentException($"changes of a buffer of {other.TotalLength} floats cannot join those of one of {TotalLength}", nameof(other));
        }

        return IsAll ? this : other.IsAll ? other : Of(TotalLength, _ranges.Concat(other._ranges));
    }

    /// <summary>Copies the values inside the ranges from <paramref name="source"/> to <paramref name="target"/>.</summary>
    /// <exception cref="ArgumentException">A buffer is not <see cref="TotalLength"/> floats long.</exception>
    public void CopyTo(ReadOnlySpan<float> source, Span<float> target)
    {
        if (source.Length != TotalLength || target.Length != TotalLength)
        {
            throw new ArgumentException($"the changes index {TotalLength} floats, not {source.Length} and {target.Length}", nameof(source));
        }

        foreach (var range in _ranges)
        {
            source.Slice(range.Offset, range.Length).CopyTo(target.Slice(range.Offset, range.Length));
        }
    }
}
