using System.Security.Cryptography;
using Federated.SecureAggregation.Crypto;

namespace Federated.SecureAggregation;

/// <summary>
/// Where the protocol's secrets come from: the operating system's CSPRNG (<see cref="System"/>, the only source production
/// code uses) or, for tests and simulations that must repeat, an AES-256-CTR keystream of a given 32-byte seed.
/// </summary>
public abstract class RandomSource
{
    /// <summary>The operating system's CSPRNG (<see cref="RandomNumberGenerator"/>); keys from <see cref="ECDiffieHellman.Create(ECCurve)"/>.</summary>
    public static RandomSource System { get; } = new SystemRandomSource();

    /// <summary>A repeatable source: the AES-256-CTR keystream of <paramref name="seed"/> (32 bytes). Never for production secrets.</summary>
    public static RandomSource FromSeed(ReadOnlySpan<byte> seed) => new SeededRandomSource(seed);

    /// <summary>Fills <paramref name="destination"/> with random bytes.</summary>
    public abstract void Fill(Span<byte> destination);

    /// <summary>A fresh P-256 key pair.</summary>
    public virtual ECDiffieHellman CreateKeyPair()
    {
        Span<byte> scalar = stackalloc byte[KeyAgreement.PrivateKeyLength];
        while (true)
        {
            Fill(scalar);
            try
            {
                return KeyAgreement.ImportPrivateKey(scalar);
            }
            catch (ArgumentException)
            {
                // Zero or ≥ the group order: probability about 2^-32; draw again.
            }
            finally
            {
                CryptographicOperations.ZeroMemory(scalar);
            }
        }
    }

    private sealed class SystemRandomSource : RandomSource
    {
        public override void Fill(Span<byte> destination) => RandomNumberGenerator.Fill(destination);

        public override ECDiffieHellman CreateKeyPair() => KeyAgreement.Generate();
    }

    private sealed class SeededRandomSource(ReadOnlySpan<byte> seed) : RandomSource
    {
        private readonly byte[] _key = seed.ToArray();
        private UInt128 _nextBlock;
        private readonly byte[] _buffer = new byte[16];
        private int _position = 16;

        public override void Fill(Span<byte> destination)
        {
            while (!destination.IsEmpty)
            {
                if (_position == 16)
                {
                    MaskExpansion.Keystream(_key, _nextBlock++, _buffer);
                    _position = 0;
                }

                var take = Math.Min(16 - _position, destination.Length);
                _buffer.AsSpan(_position, take).CopyTo(destination);
                _position += take;
                destination = destination[take..];
            }
        }
    }
}
