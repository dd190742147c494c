using Federated.Protos.V1;

namespace Federated.Protos;

/// <summary>Splits tensors into <see cref="TensorChunk"/> messages of at most <see cref="TensorBytes.MaxChunkBytes"/> value bytes.</summary>
public static class TensorChunker
{
    /// <summary>Chunks of a dense tensor: <paramref name="length"/> floats of <paramref name="values"/> from <paramref name="start"/>.</summary>
    public static IEnumerable<TensorChunk> Dense(string name, float[] values, int start, int length, int maxChunkBytes = TensorBytes.MaxChunkBytes)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(values);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxChunkBytes, sizeof(float));
        return Iterate();

        IEnumerable<TensorChunk> Iterate()
        {
            var perChunk = maxChunkBytes / sizeof(float);
            var offset = 0;
            do
            {
                var count = Math.Min(perChunk, length - offset);
                yield return new TensorChunk { Name = name, Offset = offset, Values = TensorBytes.Wrap(values, start + offset, count) };
                offset += count;
            }
            while (offset < length);
        }
    }

    /// <summary>
    /// Chunks of a row-sparse tensor: <paramref name="rowIds"/> (ascending, distinct) and their values
    /// (<paramref name="rowIds"/>.Length × <paramref name="columns"/> floats). An empty row set still yields one chunk.
    /// </summary>
    public static IEnumerable<TensorChunk> Sparse(string name, int[] rowIds, float[] values, int columns, int maxChunkBytes = TensorBytes.MaxChunkBytes)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(rowIds);
        ArgumentNullException.ThrowIfNull(values);
        ArgumentOutOfRangeException.ThrowIfLessThan(columns, 1);
        return Iterate();

        IEnumerable<TensorChunk> Iterate()
        {
            var rowsPerChunk = Math.Max(1, maxChunkBytes / (columns * sizeof(float)));
            var row = 0;
            do
            {
                var count = Math.Min(rowsPerChunk, rowIds.Length - row);
                var chunk = new TensorChunk { Name = name, Sparse = true, Values = TensorBytes.Wrap(values, row * columns, count * columns) };
                chunk.RowIds.Add(new ArraySegment<int>(rowIds, row, count));
                yield return chunk;
                row += count;
            }
            while (row < rowIds.Length);
        }
    }
}
