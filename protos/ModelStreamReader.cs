using Federated.Protos.V1;
using Grpc.Core;

namespace Federated.Protos;

/// <summary>
/// Reads a model stream (<c>DownloadModel</c>, <c>ExportModel</c>): the header, then chunks written straight into the
/// buffers the caller chooses per tensor, checking that every chunk is in order, in bounds and that every tensor is complete.
/// A chunk's values held in a pooled buffer (<see cref="PooledCalls"/>) go back to their pool once copied.
/// </summary>
public static class ModelStreamReader
{
    /// <summary>Reads the whole stream and returns its header.</summary>
    /// <param name="stream">The response stream.</param>
    /// <param name="target">For each tensor of the header, the buffer of exactly rows × columns floats to fill (e.g. a slice of a ParameterSet's flat buffer).</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <exception cref="InvalidDataException">The stream does not follow the protocol.</exception>
    public static async Task<ModelHeader> ReadAsync(IAsyncStreamReader<ModelChunk> stream, Func<TensorDescriptor, Memory<float>> target, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(target);
        if (!await stream.MoveNext(cancellationToken).ConfigureAwait(false) || stream.Current.PayloadCase != ModelChunk.PayloadOneofCase.Header)
        {
            throw new InvalidDataException("a model stream must start with its header");
        }

        var header = stream.Current.Header;
        var buffers = new Dictionary<string, (Memory<float> Buffer, long Filled)>(StringComparer.Ordinal);
        foreach (var tensor in header.Tensors)
        {
            var buffer = target(tensor);
            if (buffer.Length != (long)tensor.Rows * tensor.Columns)
            {
                throw new InvalidDataException($"tensor '{tensor.Name}' has {tensor.Rows}x{tensor.Columns} values but its buffer holds {buffer.Length}");
            }

            buffers[tensor.Name] = (buffer, 0);
        }

        while (await stream.MoveNext(cancellationToken).ConfigureAwait(false))
        {
            var chunk = stream.Current.Tensor ?? throw new InvalidDataException("a model stream has one header, first");
            if (!buffers.TryGetValue(chunk.Name, out var entry))
            {
                throw new InvalidDataException($"tensor '{chunk.Name}' is not in the header");
            }

            var count = TensorBytes.FloatCount(chunk.Values);
            if (count < 0 || chunk.Offset != entry.Filled || entry.Filled + count > entry.Buffer.Length)
            {
                throw new InvalidDataException($"tensor '{chunk.Name}': chunk at offset {chunk.Offset} with {count} values does not continue at {entry.Filled} of {entry.Buffer.Length}");
            }

            TensorBytes.CopyTo(chunk.Values, entry.Buffer.Span.Slice((int)entry.Filled, count));
            PooledBytes.Release(chunk.Values);
            buffers[chunk.Name] = (entry.Buffer, entry.Filled + count);
        }

        foreach (var (name, entry) in buffers)
        {
            if (entry.Filled != entry.Buffer.Length)
            {
                throw new InvalidDataException($"tensor '{name}' ended after {entry.Filled} of {entry.Buffer.Length} values");
            }
        }

        return header;
    }
}
