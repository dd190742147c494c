using System.Numerics;

namespace Federated.Model.Training;

/// <summary>A set of row ids in [0, Capacity) as a bitset: O(1) add and test, ascending enumeration.</summary>
public sealed class RowSet
{
    private readonly ulong[] _bits;

    /// <summary>An empty set of rows in [0, <paramref name="capacity"/>).</summary>
    public RowSet(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        Capacity = capacity;
        _bits = new ulong[(capacity + 63) / 64];
    }

    /// <summary>Exclusive upper bound of the row ids.</summary>
    public int Capacity { get; }

    /// <summary>Number of rows in the set.</summary>
    public int Count { get; private set; }

    /// <summary>Adds a row; returns false when it was already there.</summary>
    public bool Add(int row)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)row, (uint)Capacity, nameof(row));
        ref var word = ref _bits[row >> 6];
        var mask = 1UL << (row & 63);
        if ((word & mask) != 0)
        {
            return false;
        }

        word |= mask;
        Count++;
        return true;
    }

    /// <summary>True when the row is in the set.</summary>
    public bool Contains(int row) => (uint)row < (uint)Capacity && (_bits[row >> 6] & (1UL << (row & 63))) != 0;

    /// <summary>Empties the set.</summary>
    public void Clear()
    {
        Array.Clear(_bits);
        Count = 0;
    }

    /// <summary>Copies the rows in ascending order into a new array.</summary>
    public int[] ToArray()
    {
        var rows = new int[Count];
        var next = 0;
        for (var w = 0; w < _bits.Length; w++)
        {
            var word = _bits[w];
            while (word != 0)
            {
                rows[next++] = (w << 6) + BitOperations.TrailingZeroCount(word);
                word &= word - 1;
            }
        }

        return rows;
    }
}
