namespace Federated.Model.Network;

/// <summary>
/// Sparse gradient of one embedding table for one step: the distinct rows touched, in first-touch order, and one
/// gradient row each. Clearing costs O(rows touched), not O(table).
/// </summary>
internal sealed class RowGradients
{
    private readonly int[] _slotOfRow;
    private int[] _rows;
    private float[] _values;

    public RowGradients(int tableRows, int dim, int initialCapacity)
    {
        Dim = dim;
        _slotOfRow = new int[tableRows];
        _slotOfRow.AsSpan().Fill(-1);
        _rows = new int[Math.Max(1, initialCapacity)];
        _values = new float[_rows.Length * dim];
    }

    public int Dim { get; }

    public int Count { get; private set; }

    public ReadOnlySpan<int> Rows => _rows.AsSpan(0, Count);

    public Span<float> Values => _values.AsSpan(0, Count * Dim);

    /// <summary>The gradient row of table row <paramref name="row"/>, zero on first touch in this step.</summary>
    public Span<float> For(int row)
    {
        var slot = _slotOfRow[row];
        if (slot < 0)
        {
            slot = Count++;
            if (slot == _rows.Length)
            {
                Array.Resize(ref _rows, _rows.Length * 2);
                Array.Resize(ref _values, _rows.Length * Dim);
            }

            _rows[slot] = row;
            _slotOfRow[row] = slot;
            var fresh = _values.AsSpan(slot * Dim, Dim);
            fresh.Clear();
            return fresh;
        }

        return _values.AsSpan(slot * Dim, Dim);
    }

    /// <summary>Adds every row of <paramref name="other"/> into this one.</summary>
    public void Add(RowGradients other)
    {
        for (var s = 0; s < other.Count; s++)
        {
            var target = For(other._rows[s]);
            System.Numerics.Tensors.TensorPrimitives.Add(target, other._values.AsSpan(s * Dim, Dim), target);
        }
    }

    public void Clear()
    {
        for (var s = 0; s < Count; s++)
        {
            _slotOfRow[_rows[s]] = -1;
        }

        Count = 0;
    }
}
