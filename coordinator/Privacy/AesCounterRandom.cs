using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Federated.Coordinator.Privacy;

/// <summary>
/// A stream of pseudo-random bytes: AES-256 in counter mode (the block cipher of .NET's <see cref="Aes"/> applied to
/// successive 128-bit counters, NIST SP 800-38A §6.5), keyed from the operating system's CSPRNG
/// (<see cref="RandomNumberGenerator"/>) or, for simulations that must repeat, from a given key.
/// </summary>
/// <remarks>
/// Counter mode keeps the noise's randomness cryptographic while letting a seeded simulation reproduce it. One key yields
/// at most 2^64 blocks here (the counter's low half), far beyond any run. Not thread-safe.
/// </remarks>
public sealed class AesCounterRandom : IDisposable
{
    /// <summary>Counter blocks encrypted per call of the cipher (64 KiB of output).</summary>
    private const int BlocksPerBatch = 4096;

    private readonly Aes _aes;
    private readonly byte[] _counters = new byte[BlocksPerBatch * 16];
    private readonly byte[] _batch = new byte[BlocksPerBatch * 16];
    private ulong _nextBlock;
    private int _position = BlocksPerBatch * 16;

    private AesCounterRandom(ReadOnlySpan<byte> key)
    {
        if (key.Length != 32)
        {
            throw new ArgumentException($"an AES-256 key has 32 bytes, not {key.Length}", nameof(key));
        }

        _aes = Aes.Create();
        _aes.Key = key.ToArray();
    }

    /// <summary>A stream keyed by the operating system's CSPRNG: nobody, this process included, can repeat it.</summary>
    public static AesCounterRandom FromSystemRandom()
    {
        Span<byte> key = stackalloc byte[32];
        RandomNumberGenerator.Fill(key);
        try
        {
            return new AesCounterRandom(key);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <summary>A stream that repeats for the same 32-byte <paramref name="key"/> (simulations and tests).</summary>
    public static AesCounterRandom FromKey(ReadOnlySpan<byte> key) => new(key);

    /// <summary>Fills <paramref name="destination"/> with the next bytes of the stream.</summary>
    public void Fill(Span<byte> destination)
    {
        while (!destination.IsEmpty)
        {
            if (_position == _batch.Length)
            {
                Refill();
            }

            var take = Math.Min(destination.Length, _batch.Length - _position);
            _batch.AsSpan(_position, take).CopyTo(destination);
            destination = destination[take..];
            _position += take;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _aes.Dispose();
        CryptographicOperations.ZeroMemory(_batch);
    }

    private void Refill()
    {
        for (var block = 0; block < BlocksPerBatch; block++)
        {
            // Big-endian 128-bit counter: high half zero, low half the block index.
            BinaryPrimitives.WriteUInt64BigEndian(_counters.AsSpan((block * 16) + 8, 8), _nextBlock++);
        }

        _aes.EncryptEcb(_counters, _batch, PaddingMode.None);
        _position = 0;
    }
}
