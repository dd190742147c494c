using System.Buffers;
using System.Collections.Concurrent;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;

namespace Federated.Coordinator.Hosting;

/// <summary>
/// Creates Kestrel's memory pools (its transport and HTTP/2 pipes take their buffers from them) with blocks of
/// <see cref="CoordinatorOptions.TransportBlockBytes"/> instead of Kestrel's fixed 4 KiB.
/// </summary>
/// <remarks>
/// Kestrel reads a socket into the free part of one pipe block, so its block size caps the bytes one receive system
/// call returns; an HTTP/2 stream's pipe is made of such blocks too, and the gRPC message parsed from it is a sequence
/// of them. With 4 KiB blocks a 4 MB update is a thousand receives, a thousand pipe wake-ups and a thousand-segment
/// message; with 64 KiB blocks it is sixty-odd, which halved the coordinator's CPU per dense update in the
/// <c>round</c> benchmark (README, Benchmarks). Kestrel exposes no setting for its own pool's block size, so the
/// pool is replaced through ASP.NET Core's <see cref="IMemoryPoolFactory{T}"/> seam.
/// </remarks>
internal sealed class TransportMemoryPoolFactory(IOptions<CoordinatorOptions> coordinatorOptions) : IMemoryPoolFactory<byte>
{
    private int _poolsCreated;
    private long _blocksAllocated;

    /// <summary>Pools made so far (Kestrel makes a few per endpoint), for tests and diagnostics; the pools themselves are not kept.</summary>
    public int PoolsCreated => Volatile.Read(ref _poolsCreated);

    /// <summary>Blocks the pools made so far have allocated (each then reused until dropped).</summary>
    public long BlocksAllocated => Interlocked.Read(ref _blocksAllocated);

    /// <inheritdoc />
    public MemoryPool<byte> Create(MemoryPoolOptions? options = null)
    {
        Interlocked.Increment(ref _poolsCreated);
        return new TransportMemoryPool(
            coordinatorOptions.Value.TransportBlockBytes, coordinatorOptions.Value.TransportPoolRetainedBytes, () => Interlocked.Increment(ref _blocksAllocated));
    }
}

/// <summary>
/// A pool of pinned byte blocks of one size. A returned block is kept for reuse while the free blocks stay within
/// the retained bytes and dropped to the GC beyond; a block is never handed out twice before it is returned, even if
/// its owner is disposed twice.
/// </summary>
internal sealed class TransportMemoryPool : MemoryPool<byte>
{
    private readonly int _blockBytes;
    private readonly int _maxRetainedBlocks;
    private readonly ConcurrentQueue<Block> _free = new();
    private readonly Action? _onAllocate;
    private int _freeCount;
    private volatile bool _disposed;

    /// <summary>Creates the pool.</summary>
    /// <param name="blockBytes">Bytes of every block (the most a renter can ask for); ≥ 1.</param>
    /// <param name="retainedBytes">Most bytes of free blocks kept for reuse; ≥ 0.</param>
    /// <param name="onAllocate">Called for every block allocated (not for one reused); null: nothing.</param>
    public TransportMemoryPool(int blockBytes, long retainedBytes, Action? onAllocate = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(blockBytes, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(retainedBytes);
        _onAllocate = onAllocate;
        _blockBytes = blockBytes;
        _maxRetainedBlocks = (int)Math.Min(int.MaxValue, retainedBytes / blockBytes);
    }

    /// <summary>Bytes of every block.</summary>
    public override int MaxBufferSize => _blockBytes;

    /// <summary>Free blocks kept for reuse now.</summary>
    public int RetainedBlocks => Volatile.Read(ref _freeCount);

    /// <summary>Hands out a block of <see cref="MaxBufferSize"/> bytes, reused when one is free.</summary>
    /// <param name="minBufferSize">Bytes needed; −1 or any value up to <see cref="MaxBufferSize"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">More than a block is asked for.</exception>
    /// <exception cref="ObjectDisposedException">The pool is disposed.</exception>
    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minBufferSize, _blockBytes);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_free.TryDequeue(out var block))
        {
            Interlocked.Decrement(ref _freeCount);
        }
        else
        {
            // Pinned, like Kestrel's own blocks, so that sockets never pin them; uninitialised: a renter writes before it reads.
            block = new Block(this, GC.AllocateUninitializedArray<byte>(_blockBytes, pinned: true));
            _onAllocate?.Invoke();
        }

        block.Lease();
        return block;
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        _disposed = true;
        while (_free.TryDequeue(out _))
        {
            Interlocked.Decrement(ref _freeCount);
        }
    }

    private void Return(Block block)
    {
        if (_disposed)
        {
            return;
        }

        if (Interlocked.Increment(ref _freeCount) > _maxRetainedBlocks)
        {
            Interlocked.Decrement(ref _freeCount);
            return;
        }

        _free.Enqueue(block);
    }

    private sealed class Block(TransportMemoryPool pool, byte[] array) : IMemoryOwner<byte>
    {
        // Made once: Kestrel's pipes read Memory on every write and read of the block.
        private readonly Memory<byte> _memory = array;
        private int _leased;

        public Memory<byte> Memory => _memory;

        public void Lease() => Volatile.Write(ref _leased, 1);

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _leased, 0) == 1)
            {
                pool.Return(this);
            }
        }
    }
}
