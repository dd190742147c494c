using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Federated.SecureAggregation.Crypto;

/// <summary>
/// Authenticated encryption of share bundles with AES-256-GCM (<see cref="AesGcm"/>, NIST SP 800-38D): a sealed bundle
/// is <c>nonce (12) ‖ ciphertext ‖ tag (16)</c>, with associated data binding the run, the round, the sender and the
/// recipient, so that the relaying server can neither read, alter, nor redirect a bundle to another party or round.
/// </summary>
/// <remarks>Each key c_uv encrypts at most one bundle per direction per round, so a random 96-bit nonce never repeats in practice.</remarks>
public static class ShareCipher
{
    /// <summary>Bytes of the GCM nonce at the head of a sealed bundle.</summary>
    public const int NonceLength = 12;

    /// <summary>Bytes of the GCM tag at the tail of a sealed bundle.</summary>
    public const int TagLength = 16;

    /// <summary>Encrypts <paramref name="plaintext"/> under <paramref name="key"/> (32 bytes) with a random nonce.</summary>
    public static byte[] Seal(ReadOnlySpan<byte> key, ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> associatedData, RandomSource? random = null)
    {
        var sealedBundle = new byte[NonceLength + plaintext.Length + TagLength];
        var nonce = sealedBundle.AsSpan(0, NonceLength);
        (random ?? RandomSource.System).Fill(nonce);
        Encrypt(key, nonce, plaintext, sealedBundle.AsSpan(NonceLength, plaintext.Length), sealedBundle.AsSpan(NonceLength + plaintext.Length), associatedData);
        return sealedBundle;
    }

    /// <summary>Decrypts a bundle made by <see cref="Seal"/>.</summary>
    /// <exception cref="SecureAggregationException">The bundle is too short, or was altered, or was sealed for other associated data or another key.</exception>
    public static byte[] Open(ReadOnlySpan<byte> key, ReadOnlySpan<byte> sealedBundle, ReadOnlySpan<byte> associatedData)
    {
        if (sealedBundle.Length < NonceLength + TagLength)
        {
            throw new SecureAggregationException($"a sealed share bundle has at least {NonceLength + TagLength} bytes, not {sealedBundle.Length}");
        }

        var plaintext = new byte[sealedBundle.Length - NonceLength - TagLength];
        try
        {
            using var gcm = new AesGcm(key, TagLength);
            gcm.Decrypt(sealedBundle[..NonceLength], sealedBundle[NonceLength..^TagLength], sealedBundle[^TagLength..], plaintext, associatedData);
        }
        catch (AuthenticationTagMismatchException e)
        {
            throw new SecureAggregationException("a share bundle failed authentication: altered, misdirected or from another round", e);
        }

        return plaintext;
    }

    /// <summary>The associated data of a bundle from <paramref name="sender"/> to <paramref name="recipient"/>: <c>label 0x00 "share-bundle" 0x00 runId 0x00 round sender recipient</c> (integers big-endian).</summary>
    public static byte[] AssociatedData(SecAggContext context, int sender, int recipient)
    {
        ArgumentNullException.ThrowIfNull(context);
        var head = Encoding.UTF8.GetBytes($"{SecAggContext.ProtocolLabel}\0share-bundle\0{context.RunId}\0");
        var bytes = new byte[head.Length + 16];
        head.CopyTo(bytes, 0);
        BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(head.Length), context.Round);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(head.Length + 8), sender);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(head.Length + 12), recipient);
        return bytes;
    }

    /// <summary>One AES-256-GCM encryption with a given nonce; exposed to the tests for the published vectors.</summary>
    internal static void Encrypt(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> plaintext, Span<byte> ciphertext, Span<byte> tag, ReadOnlySpan<byte> associatedData)
    {
        if (key.Length != 32)
        {
            throw new ArgumentException($"an AES-256 key has 32 bytes, not {key.Length}", nameof(key));
        }

        using var gcm = new AesGcm(key, TagLength);
        gcm.Encrypt(nonce, plaintext, ciphertext, tag, associatedData);
    }
}
