using System.Buffers;
using Federated.Protos.V1;
using Google.Protobuf;
using Grpc.Core;

namespace Federated.Protos;

/// <summary>
/// Parses the two messages that carry tensor values in bulk — <see cref="UpdateChunk"/> (a node's upload) and
/// <see cref="ModelChunk"/> (a model download) — with the values in a pooled buffer (<see cref="PooledBytes"/>) instead
/// of the fresh array protobuf allocates for every <c>bytes</c> field: a 1 MiB chunk's array lands on the large-object
/// heap, so each 4 MB update or download cost four of them and their gen-2 collections. The consumer gives the buffer
/// back with <see cref="PooledBytes.Release"/> once the values are copied.
/// </summary>
/// <remarks>
/// The fast path takes the one shape an encoder produces for a tensor chunk: the whole message is field 2 (the
/// <c>tensor</c> of both messages), and the tensor's own fields are of known wire types. Every field but <c>values</c>
/// (5) is copied out and parsed by protobuf's generated parser, so names, offsets, flags, row ids and unknown fields
/// mean exactly what they mean to it; <c>values</c> is the last occurrence, as protobuf takes it. Anything else — a
/// header, a truncated or oversized field, a group — goes to the generated parser whole, so a malformed message fails
/// exactly as it would without this class.
/// </remarks>
public static class PooledChunkParser
{
    private const uint TensorTag = (2 << 3) | 2;
    private const int ValuesField = 5;

    /// <summary>
    /// The pool of value buffers: chunks carry at most <see cref="TensorBytes.MaxChunkBytes"/> of values, and up to 32
    /// buffers of each size stay for reuse (32 MiB for 1 MiB chunks).
    /// </summary>
    public static ArrayPool<byte> ValuePool { get; } = ArrayPool<byte>.Create(TensorBytes.MaxChunkBytes, maxArraysPerBucket: 32);

    /// <summary>A marshaller deserializer for <see cref="UpdateChunk"/>.</summary>
    /// <exception cref="InvalidProtocolBufferException">The message is malformed.</exception>
    public static UpdateChunk ParseUpdateChunk(DeserializationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return ParseUpdateChunk(context.PayloadAsReadOnlySequence());
    }

    /// <summary>Parses one <see cref="UpdateChunk"/>'s bytes.</summary>
    /// <exception cref="InvalidProtocolBufferException">The message is malformed.</exception>
    public static UpdateChunk ParseUpdateChunk(ReadOnlySequence<byte> payload) =>
        TryParseTensor(payload) is { } tensor ? new UpdateChunk { Tensor = tensor } : UpdateChunk.Parser.ParseFrom(payload);

    /// <summary>A marshaller deserializer for <see cref="ModelChunk"/>.</summary>
    /// <exception cref="InvalidProtocolBufferException">The message is malformed.</exception>
    public static ModelChunk ParseModelChunk(DeserializationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return ParseModelChunk(context.PayloadAsReadOnlySequence());
    }

    /// <summary>Parses one <see cref="ModelChunk"/>'s bytes.</summary>
    /// <exception cref="InvalidProtocolBufferException">The message is malformed.</exception>
    public static ModelChunk ParseModelChunk(ReadOnlySequence<byte> payload) =>
        TryParseTensor(payload) is { } tensor ? new ModelChunk { Tensor = tensor } : ModelChunk.Parser.ParseFrom(payload);

    /// <summary>The tensor of a message that is its field 2 alone, or null (then the generated parser decides).</summary>
    public static TensorChunk? TryParseTensor(ReadOnlySequence<byte> payload)
    {
        var reader = new SequenceReader<byte>(payload);
        if (!TryReadVarint(ref reader, out var tag) || tag != TensorTag || !TryReadVarint(ref reader, out var length) || length != (ulong)reader.Remaining)
        {
            return null;
        }

        // The tensor's fields: all but the values copied (they are small: a name, an offset, a flag, row ids), the last
        // values field remembered by position.
        var body = reader.UnreadSequence;
        var fields = new SequenceReader<byte>(body);
        var rest = new ArrayBufferWriter<byte>(64);
        ReadOnlySequence<byte>? values = null;
        while (!fields.End)
        {
            var start = fields.Position;
            if (!TryReadVarint(ref fields, out var fieldTag) || fieldTag >> 3 == 0 || fieldTag > uint.MaxValue)
            {
                return null;
            }

            var wireType = (int)(fieldTag & 7);
            if ((int)(fieldTag >> 3) == ValuesField && wireType == 2)
            {
                if (!TryReadVarint(ref fields, out var valuesLength) || valuesLength > (ulong)fields.Remaining || valuesLength > TensorBytes.MaxChunkBytes)
                {
                    return null;
                }

                values = fields.UnreadSequence.Slice(0, (long)valuesLength);
                fields.Advance((long)valuesLength);
                continue;
            }

            if (!TrySkip(ref fields, wireType))
            {
                return null;
            }

            foreach (var segment in body.Slice(start, fields.Position))
            {
                rest.Write(segment.Span);
            }
        }

        var tensor = TensorChunk.Parser.ParseFrom(rest.WrittenSpan);
        if (values is { } bytes)
        {
            tensor.Values = PooledBytes.Copy(bytes, ValuePool);
        }

        return tensor;
    }

    private static bool TrySkip(ref SequenceReader<byte> reader, int wireType)
    {
        switch (wireType)
        {
            case 0:
                return TryReadVarint(ref reader, out _);
            case 1:
                return reader.TryAdvance(8);
            case 2:
                if (!TryReadVarint(ref reader, out var length) || length > (ulong)reader.Remaining)
                {
                    return false;
                }

                reader.Advance((long)length);
                return true;
            case 5:
                return reader.TryAdvance(4);
            default:
                return false; // groups (3, 4) and invalid types: the generated parser's call
        }
    }

    private static bool TryReadVarint(ref SequenceReader<byte> reader, out ulong value)
    {
        value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (!reader.TryRead(out var b))
            {
                return false;
            }

            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return true;
            }
        }

        return false;
    }

    private static bool TryAdvance(this ref SequenceReader<byte> reader, long count)
    {
        if (reader.Remaining < count)
        {
            return false;
        }

        reader.Advance(count);
        return true;
    }
}
