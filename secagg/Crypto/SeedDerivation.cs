using System.Security.Cryptography;

namespace Federated.SecureAggregation.Crypto;

/// <summary>
/// Turns a raw ECDH secret into a 32-byte key with HKDF-SHA256 (RFC 5869, <see cref="HKDF"/>), with an empty salt and an
/// info string that binds the purpose, the run, the round and the two party ids (<see cref="SecAggContext"/>), so that a
/// pairwise mask seed is never also an encryption key and never repeats across rounds.
/// </summary>
public static class SeedDerivation
{
    /// <summary>Bytes of every derived seed or key.</summary>
    public const int SeedLength = 32;

    /// <summary>HKDF info purpose for the pairwise mask seed s_uv.</summary>
    public const string PairwiseMaskPurpose = "pairwise-mask";

    /// <summary>HKDF info purpose for the AES-256-GCM key c_uv that encrypts share bundles between u and v.</summary>
    public const string ShareEncryptionPurpose = "share-encryption";

    /// <summary>The pairwise mask seed s_uv of parties <paramref name="partyA"/> and <paramref name="partyB"/> (order irrelevant).</summary>
    public static byte[] PairwiseMaskSeed(ReadOnlySpan<byte> sharedSecret, SecAggContext context, int partyA, int partyB)
    {
        ArgumentNullException.ThrowIfNull(context);
        return Derive(sharedSecret, [], context.Encode(PairwiseMaskPurpose, partyA, partyB), SeedLength);
    }

    /// <summary>The key that encrypts share bundles between <paramref name="partyA"/> and <paramref name="partyB"/> (order irrelevant).</summary>
    public static byte[] ShareEncryptionKey(ReadOnlySpan<byte> sharedSecret, SecAggContext context, int partyA, int partyB)
    {
        ArgumentNullException.ThrowIfNull(context);
        return Derive(sharedSecret, [], context.Encode(ShareEncryptionPurpose, partyA, partyB), SeedLength);
    }

    /// <summary>HKDF-SHA256 extract-then-expand; exposed to the tests for the RFC 5869 vectors.</summary>
    internal static byte[] Derive(ReadOnlySpan<byte> inputKeyMaterial, ReadOnlySpan<byte> salt, ReadOnlySpan<byte> info, int length)
    {
        if (inputKeyMaterial.IsEmpty)
        {
            throw new ArgumentException("the shared secret is empty", nameof(inputKeyMaterial));
        }

        var output = new byte[length];
        HKDF.DeriveKey(HashAlgorithmName.SHA256, inputKeyMaterial, output, salt, info);
        return output;
    }
}
