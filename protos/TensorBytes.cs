using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Google.Protobuf;

namespace Federated.Protos;

/// <summary>
/// Tensor values on the wire: little-endian float32 <c>bytes</c>. On little-endian machines (all supported ones)
/// <see cref="Wrap"/> shares the array's memory instead of copying it; the array must not change until the message
/// has been written.
/// </summary>
public static class TensorBytes
{
    /// <summary>The most value bytes one chunk carries: 1 MiB.</summary>
    public const int MaxChunkBytes = 1 << 20;

    /// <summary>Wraps <paramref name="length"/> floats of <paramref name="values"/> from <paramref name="start"/> as bytes.</summary>
    public static ByteString Wrap(float[] values, int start, int length)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(start + (long)length, values.Length, nameof(length));
        if (length == 0)
        {
            return ByteString.Empty;
        }

        if (BitConverter.IsLittleEndian)
        {
            return UnsafeByteOperations.UnsafeWrap(new FloatBytesMemoryManager(values, start, length).Memory);
        }

        var bytes = new byte[length * sizeof(float)];
        for (var i = 0; i < length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), values[start + i]);
        }

        return UnsafeByteOperations.UnsafeWrap(bytes);
    }

    /// <summary>Number of floats in <paramref name="bytes"/>, or −1 when its length is not a multiple of 4.</summary>
    public static int FloatCount(ByteString bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        return bytes.Length % sizeof(float) == 0 ? bytes.Length / sizeof(float) : -1;
    }

    /// <summary>Copies the floats of <paramref name="bytes"/> into <paramref name="destination"/> (exactly its length).</summary>
    public static void CopyTo(ByteString bytes, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        if (bytes.Length != destination.Length * sizeof(float))
        {
            throw new ArgumentException($"the chunk holds {bytes.Length} bytes, not {destination.Length} floats", nameof(bytes));
        }

        if (BitConverter.IsLittleEndian)
        {
            bytes.Span.CopyTo(MemoryMarshal.AsBytes(destination));
            return;
        }

        for (var i = 0; i < destination.Length; i++)
        {
            destination[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.Span[(i * sizeof(float))..]);
        }
    }
}
