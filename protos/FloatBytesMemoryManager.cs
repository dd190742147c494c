using System.Buffers;
using System.Runtime.InteropServices;

namespace Federated.Protos;

/// <summary>Exposes a range of a float array as bytes without copying, so protobuf can wrap it.</summary>
internal sealed class FloatBytesMemoryManager : MemoryManager<byte>
{
    private readonly float[] _array;
    private readonly int _start;
    private readonly int _length;

    public FloatBytesMemoryManager(float[] array, int start, int length)
    {
        _array = array;
        _start = start;
        _length = length;
    }

    public override Span<byte> GetSpan() => MemoryMarshal.AsBytes(_array.AsSpan(_start, _length));

    public override unsafe MemoryHandle Pin(int elementIndex = 0)
    {
        var handle = GCHandle.Alloc(_array, GCHandleType.Pinned);
        var pointer = (byte*)handle.AddrOfPinnedObject() + ((long)_start * sizeof(float)) + elementIndex;
        return new MemoryHandle(pointer, handle);
    }

    public override void Unpin()
    {
    }

    protected override void Dispose(bool disposing)
    {
    }
}
