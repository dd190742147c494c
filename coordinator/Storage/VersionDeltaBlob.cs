using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Federated.Coordinator.Aggregation;

namespace Federated.Coordinator.Storage;

/// <summary>
/// The blob of a model version stored as a delta over the version before it: the new values of the ranges a round
/// changed, so that a row-sparse round writes its rows rather than the model. Little-endian records, by offset:
/// <c>int32 offset, int32 count (&gt; 0), count × float32</c> (8 + 4·count bytes each). The values are the version's
/// own, not differences, so rebuilding is a copy and bit-exact.
/// </summary>
internal static class VersionDeltaBlob
{
    /// <summary>Bytes of one record's header.</summary>
    private const int HeaderBytes = 8;

    /// <summary>The size of the blob of <paramref name="changes"/>, in bytes.</summary>
    public static long SizeOf(ParameterChanges changes)
    {
        ArgumentNullException.ThrowIfNull(changes);
        return (changes.Ranges.Count * (long)HeaderBytes) + (changes.ChangedValues * sizeof(float));
    }

    /// <summary>The blob holding the values of <paramref name="parameters"/> inside <paramref name="changes"/>.</summary>
    /// <exception cref="ArgumentException">The changes index another length than <paramref name="parameters"/>.</exception>
    public static byte[] Encode(ReadOnlySpan<float> parameters, ParameterChanges changes)
    {
        ArgumentNullException.ThrowIfNull(changes);
        if (changes.TotalLength != parameters.Length)
        {
            throw new ArgumentException($"the changes index {changes.TotalLength} floats, the version has {parameters.Length}", nameof(changes));
        }

        var blob = GC.AllocateUninitializedArray<byte>(checked((int)SizeOf(changes)));
        var at = 0;
        foreach (var range in changes.Ranges)
        {
            BinaryPrimitives.WriteInt32LittleEndian(blob.AsSpan(at), range.Offset);
            BinaryPrimitives.WriteInt32LittleEndian(blob.AsSpan(at + 4), range.Length);
            at += HeaderBytes;
            var bytes = MemoryMarshal.AsBytes(parameters.Slice(range.Offset, range.Length));
            bytes.CopyTo(blob.AsSpan(at));
            at += bytes.Length;
        }

        return blob;
    }

    /// <summary>Writes the values of <paramref name="blob"/> over <paramref name="target"/> (the version before it).</summary>
    /// <exception cref="InvalidDataException">The blob is cut short, or a record reaches outside <paramref name="target"/>.</exception>
    public static void Apply(ReadOnlySpan<byte> blob, Span<float> target)
    {
        var at = 0;
        while (at < blob.Length)
        {
            if (blob.Length - at < HeaderBytes)
            {
                throw new InvalidDataException($"a model delta ends inside a record header at byte {at} of {blob.Length}");
            }

            var offset = BinaryPrimitives.ReadInt32LittleEndian(blob[at..]);
            var count = BinaryPrimitives.ReadInt32LittleEndian(blob[(at + 4)..]);
            at += HeaderBytes;
            if (offset < 0 || count <= 0 || offset > target.Length - count)
            {
                throw new InvalidDataException($"a model delta record [{offset}, +{count}) is outside a version of {target.Length} floats");
            }

            var bytes = count * sizeof(float);
            if (blob.Length - at < bytes)
            {
                throw new InvalidDataException($"a model delta record of {count} floats is cut short at byte {blob.Length}");
            }

            blob.Slice(at, bytes).CopyTo(MemoryMarshal.AsBytes(target.Slice(offset, count)));
            at += bytes;
        }
    }
}
