namespace Federated.Coordinator.Aggregation.Robust;

/// <summary>
/// The value arrays of a run's last finished round, kept for the next round's <see cref="UpdateBuffer"/>: dense updates
/// of a run all have the same length, so a round reuses its predecessor's arrays instead of allocating (and having the
/// garbage collector reclaim) up to <see cref="UpdateBufferOptions.MemoryLimitBytes"/> of large arrays per round.
/// </summary>
/// <remarks>
/// The buffer trims what is kept here so that its own values plus these stay within the memory limit; between rounds at
/// most one round's in-memory values stay allocated. Not thread-safe: a run's rounds are sequential.
/// </remarks>
internal sealed class RecycledArrays
{
    private readonly List<float[]> _arrays = [];

    /// <summary>Bytes held.</summary>
    public long Bytes { get; private set; }

    /// <summary>An array of exactly <paramref name="length"/> floats (contents undefined), or null.</summary>
    public float[]? Take(int length)
    {
        for (var i = _arrays.Count - 1; i >= 0; i--)
        {
            var array = _arrays[i];
            if (array.Length == length)
            {
                _arrays[i] = _arrays[^1];
                _arrays.RemoveAt(_arrays.Count - 1);
                Bytes -= (long)length * sizeof(float);
                return array;
            }
        }

        return null;
    }

    /// <summary>Drops arrays until at most <paramref name="maxBytes"/> are held.</summary>
    public void Trim(long maxBytes)
    {
        while (Bytes > Math.Max(0, maxBytes) && _arrays.Count > 0)
        {
            Bytes -= (long)_arrays[^1].Length * sizeof(float);
            _arrays.RemoveAt(_arrays.Count - 1);
        }
    }

    /// <summary>Replaces what is held by <paramref name="arrays"/> (a finished round's, no longer read by anyone).</summary>
    public void Replace(IEnumerable<float[]> arrays)
    {
        _arrays.Clear();
        Bytes = 0;
        foreach (var array in arrays)
        {
            _arrays.Add(array);
            Bytes += (long)array.Length * sizeof(float);
        }
    }
}
