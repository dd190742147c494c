using System.Buffers;
using System.Runtime.InteropServices;
using Google.Protobuf;

namespace Federated.Protos;

/// <summary>
/// Bytes a <see cref="ByteString"/> wraps without owning them: a buffer rented from an <see cref="ArrayPool{T}"/>,
/// given back by <see cref="Release"/> once the bytes have been consumed. Lets a parser keep large <c>bytes</c> fields
/// (a tensor chunk's values, up to 1 MiB) out of the large-object heap, where protobuf's own copy would land.
/// </summary>
/// <remarks>
/// The buffer goes back to its pool once, on the first <see cref="Release"/>; after that the wrapping ByteString must
/// not be read (its bytes may belong to another message). A ByteString never released only costs the pool a reuse.
/// </remarks>
public sealed class PooledBytes : MemoryManager<byte>
{
    private readonly ArrayPool<byte> _pool;
    private readonly int _length;
    private byte[]? _array;

    private PooledBytes(ArrayPool<byte> pool, byte[] array, int length)
    {
        _pool = pool;
        _array = array;
        _length = length;
    }

    /// <summary>Copies <paramref name="source"/> into a buffer rented from <paramref name="pool"/> and wraps it.</summary>
    /// <param name="source">The bytes; at most the pool's largest array.</param>
    /// <param name="pool">Where the buffer comes from and goes back to.</param>
    public static ByteString Copy(in ReadOnlySequence<byte> source, ArrayPool<byte> pool)
    {
        ArgumentNullException.ThrowIfNull(pool);
        if (source.IsEmpty)
        {
            return ByteString.Empty;
        }

        var length = checked((int)source.Length);
        var array = pool.Rent(length);
        source.CopyTo(array);
        return UnsafeByteOperations.UnsafeWrap(new PooledBytes(pool, array, length).Memory);
    }

    /// <summary>Gives the buffer behind <paramref name="bytes"/> back to its pool, if it has one and still holds it.</summary>
    /// <returns>True when a buffer went back now.</returns>
    public static bool Release(ByteString bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        if (!MemoryMarshal.TryGetMemoryManager<byte, PooledBytes>(bytes.Memory, out var owner))
        {
            return false;
        }

        var array = Interlocked.Exchange(ref owner._array, null);
        if (array is null)
        {
            return false;
        }

        owner._pool.Return(array);
        return true;
    }

    /// <inheritdoc />
    public override Span<byte> GetSpan() =>
        (_array ?? throw new ObjectDisposedException(nameof(PooledBytes), "the pooled bytes were released")).AsSpan(0, _length);

    /// <inheritdoc />
    public override unsafe MemoryHandle Pin(int elementIndex = 0)
    {
        var array = _array ?? throw new ObjectDisposedException(nameof(PooledBytes), "the pooled bytes were released");
        var handle = GCHandle.Alloc(array, GCHandleType.Pinned);
        return new MemoryHandle((byte*)handle.AddrOfPinnedObject() + elementIndex, handle);
    }

    /// <inheritdoc />
    public override void Unpin()
    {
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
    }
}
