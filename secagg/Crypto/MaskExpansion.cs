using System.Buffers;
using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Federated.SecureAggregation.Crypto;

/// <summary>
/// The protocol's PRG: a 32-byte seed expands into a mask vector of uint32 by AES-256 in counter mode (NIST SP 800-38A
/// §6.5: <c>Aes.EncryptEcb</c> over 128-bit big-endian counter
/// blocks starting at zero, the seed as the key); each 16-byte output block gives four little-endian uint32 words.
/// The mask is added to or subtracted from a vector in Z_{2^32}, so it never exists as a separate buffer of its own size.
/// </summary>
/// <remarks>
/// Another implementation reproduces a mask from this description alone: word i is bytes 4i..4i+3 (little-endian) of the
/// keystream AES-256-ECB(seed, 0 ‖ 1 ‖ 2 ‖ …) with 128-bit big-endian counters. One seed yields 2^128 blocks, far beyond
/// any vector. Masks are uniform in Z_{2^32} as long as AES is a pseudo-random permutation (Bonawitz et al. 2017, §4).
/// </remarks>
public static class MaskExpansion
{
    /// <summary>Counter blocks encrypted per call of the cipher (64 KiB of keystream).</summary>
    private const int BlocksPerBatch = 4096;

    /// <summary><paramref name="destination"/> += PRG(<paramref name="seed"/>) mod 2^32, element-wise.</summary>
    public static void Add(ReadOnlySpan<byte> seed, Span<uint> destination) => Apply(seed, destination, subtract: false);

    /// <summary><paramref name="destination"/> −= PRG(<paramref name="seed"/>) mod 2^32, element-wise.</summary>
    public static void Subtract(ReadOnlySpan<byte> seed, Span<uint> destination) => Apply(seed, destination, subtract: true);

    /// <summary>
    /// Writes the AES-256-CTR keystream of <paramref name="key"/> from <paramref name="initialCounter"/> (a 128-bit
    /// big-endian counter that wraps modulo 2^128) into <paramref name="output"/>; its length is a multiple of 16.
    /// </summary>
    internal static void Keystream(ReadOnlySpan<byte> key, UInt128 initialCounter, Span<byte> output)
    {
        if (output.Length % 16 != 0)
        {
            throw new ArgumentException("the keystream is written in whole 16-byte blocks", nameof(output));
        }

        using var aes = CreateCipher(key);
        var counters = ArrayPool<byte>.Shared.Rent(BlocksPerBatch * 16);
        try
        {
            var counter = initialCounter;
            while (!output.IsEmpty)
            {
                var bytes = Math.Min(output.Length, BlocksPerBatch * 16);
                FillCounters(counters.AsSpan(0, bytes), ref counter);
                aes.EncryptEcb(counters.AsSpan(0, bytes), output[..bytes], PaddingMode.None);
                output = output[bytes..];
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(counters);
        }
    }

    private static void Apply(ReadOnlySpan<byte> seed, Span<uint> destination, bool subtract)
    {
        using var aes = CreateCipher(seed);
        var counters = ArrayPool<byte>.Shared.Rent(BlocksPerBatch * 16);
        var stream = ArrayPool<byte>.Shared.Rent(BlocksPerBatch * 16);
        try
        {
            // A mask needs far fewer than 2^64 blocks, so the counter's high half stays zero: clear it once and write
            // only the low half per block.
            counters.AsSpan().Clear();
            ulong counter = 0;
            while (!destination.IsEmpty)
            {
                var words = Math.Min(destination.Length, BlocksPerBatch * 4);
                var bytes = (words + 3) / 4 * 16;
                for (var offset = 8; offset < bytes; offset += 16)
                {
                    BinaryPrimitives.WriteUInt64BigEndian(counters.AsSpan(offset, 8), counter++);
                }

                aes.EncryptEcb(counters.AsSpan(0, bytes), stream.AsSpan(0, bytes), PaddingMode.None);
                var mask = MemoryMarshal.Cast<byte, uint>(stream.AsSpan(0, bytes))[..words];
                if (!BitConverter.IsLittleEndian)
                {
                    BinaryPrimitives.ReverseEndianness(mask, mask);
                }

                Combine(destination[..words], mask, subtract);
                destination = destination[words..];
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(counters);
            CryptographicOperations.ZeroMemory(stream);
            ArrayPool<byte>.Shared.Return(stream);
        }
    }

    private static Aes CreateCipher(ReadOnlySpan<byte> key)
    {
        if (key.Length != SeedDerivation.SeedLength)
        {
            throw new ArgumentException($"a mask seed has {SeedDerivation.SeedLength} bytes, not {key.Length}", nameof(key));
        }

        var aes = Aes.Create();
        aes.SetKey(key);
        return aes;
    }

    private static void FillCounters(Span<byte> blocks, ref UInt128 counter)
    {
        for (var offset = 0; offset < blocks.Length; offset += 16)
        {
            BinaryPrimitives.WriteUInt128BigEndian(blocks.Slice(offset, 16), counter);
            counter = unchecked(counter + 1);
        }
    }

    /// <summary>destination ± mask, wrapping mod 2^32 (vector integer arithmetic wraps, as the ring needs).</summary>
    private static void Combine(Span<uint> destination, ReadOnlySpan<uint> mask, bool subtract)
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var width = Vector<uint>.Count;
            for (; i <= destination.Length - width; i += width)
            {
                var d = new Vector<uint>(destination[i..]);
                var m = new Vector<uint>(mask[i..]);
                (subtract ? d - m : d + m).CopyTo(destination[i..]);
            }
        }

        for (; i < destination.Length; i++)
        {
            destination[i] = subtract ? unchecked(destination[i] - mask[i]) : unchecked(destination[i] + mask[i]);
        }
    }
}
