using System.Numerics;

namespace Federated.SecureAggregation.Protocol;

/// <summary>Element-wise addition in Z_{2^32}: uint vectors wrap, as the ring needs.</summary>
internal static class RingArithmetic
{
    public static void AddInPlace(Span<uint> destination, ReadOnlySpan<uint> source)
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; i <= destination.Length - Vector<uint>.Count; i += Vector<uint>.Count)
            {
                (new Vector<uint>(destination[i..]) + new Vector<uint>(source[i..])).CopyTo(destination[i..]);
            }
        }

        for (; i < destination.Length; i++)
        {
            destination[i] = unchecked(destination[i] + source[i]);
        }
    }
}
