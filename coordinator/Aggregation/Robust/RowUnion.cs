namespace Federated.Coordinator.Aggregation.Robust;

/// <summary>Which rows of an embedding table a set of buffered updates sent, and where each update holds a given row.</summary>
internal static class RowUnion
{
    /// <summary>
    /// The rows, ascending, that at least one of <paramref name="updates"/> sent of tensor <paramref name="tensor"/>:
    /// every row when one of them sent the table dense.
    /// </summary>
    public static int[] Of(UpdateBuffer buffer, IReadOnlyList<int> updates, int tensor, int tableRows)
    {
        var sparse = new List<int[]>();
        foreach (var k in updates)
        {
            var update = buffer[k];
            if (!update.Present[tensor])
            {
                continue;
            }

            if (update.Rows[tensor] is not { } rows)
            {
                return Enumerable.Range(0, tableRows).ToArray();
            }

            sparse.Add(rows);
        }

        var all = new SortedSet<int>();
        foreach (var rows in sparse)
        {
            all.UnionWith(rows);
        }

        return [.. all];
    }

    /// <summary>
    /// Where update <paramref name="update"/> holds row <paramref name="row"/> of the tensor as a value position
    /// (row-sparse: its index among the sent rows × columns), or −1 when it did not send it. Rows are visited in
    /// ascending order, so <paramref name="cursor"/> (start at 0) only moves forward.
    /// </summary>
    public static long Locate(BufferedUpdate update, int tensor, int row, int columns, ref int cursor)
    {
        if (!update.Present[tensor])
        {
            return -1;
        }

        if (update.Rows[tensor] is not { } rows)
        {
            return (long)row * columns;
        }

        while (cursor < rows.Length && rows[cursor] < row)
        {
            cursor++;
        }

        return cursor < rows.Length && rows[cursor] == row ? (long)cursor * columns : -1;
    }
}
