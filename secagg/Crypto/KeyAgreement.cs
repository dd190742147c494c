using System.Security.Cryptography;

namespace Federated.SecureAggregation.Crypto;

/// <summary>
/// Elliptic-curve Diffie–Hellman over NIST P-256 (<see cref="ECDiffieHellman"/>): key pairs, their wire forms and the raw
/// shared secret (the x-coordinate of the shared point, SEC 1 §3.3.1), which is never used as a key itself but fed to
/// <see cref="SeedDerivation"/>.
/// </summary>
public static class KeyAgreement
{
    /// <summary>Bytes of a public key on the wire: the SEC 1 uncompressed point <c>0x04 ‖ X ‖ Y</c>.</summary>
    public const int PublicKeyLength = 65;

    /// <summary>Bytes of a private key when it is secret-shared: the scalar d, big-endian, left-padded.</summary>
    public const int PrivateKeyLength = 32;

    /// <summary>A fresh key pair from the operating system's CSPRNG.</summary>
    public static ECDiffieHellman Generate() => ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);

    /// <summary>The uncompressed public point of <paramref name="key"/> (<see cref="PublicKeyLength"/> bytes).</summary>
    public static byte[] ExportPublicKey(ECDiffieHellman key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var q = key.ExportParameters(false).Q;
        var bytes = new byte[PublicKeyLength];
        bytes[0] = 0x04;
        q.X!.CopyTo(bytes, 1);
        q.Y!.CopyTo(bytes, 33);
        return bytes;
    }

    /// <summary>The private scalar of <paramref name="key"/> (<see cref="PrivateKeyLength"/> bytes); the caller zeroes it.</summary>
    public static byte[] ExportPrivateKey(ECDiffieHellman key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var d = key.ExportParameters(true).D!;
        if (d.Length != PrivateKeyLength)
        {
            throw new CryptographicException($"a P-256 private scalar has {PrivateKeyLength} bytes, not {d.Length}");
        }

        return d;
    }

    /// <summary>A key pair from its private scalar alone (the public point is recomputed).</summary>
    /// <exception cref="ArgumentException">The scalar has the wrong length or is not a valid P-256 private key.</exception>
    public static ECDiffieHellman ImportPrivateKey(ReadOnlySpan<byte> scalar)
    {
        if (scalar.Length != PrivateKeyLength)
        {
            throw new ArgumentException($"a P-256 private key has {PrivateKeyLength} bytes, not {scalar.Length}", nameof(scalar));
        }

        var parameters = new ECParameters { Curve = ECCurve.NamedCurves.nistP256, D = scalar.ToArray() };
        try
        {
            return ECDiffieHellman.Create(parameters);
        }
        catch (CryptographicException e)
        {
            throw new ArgumentException("the bytes are not a valid P-256 private key", nameof(scalar), e);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(parameters.D);
        }
    }

    /// <summary>The raw shared secret between <paramref name="privateKey"/> and a peer's uncompressed public point (32 bytes).</summary>
    /// <exception cref="ArgumentException">The peer's key is malformed or not a point of P-256.</exception>
    public static byte[] SharedSecret(ECDiffieHellman privateKey, ReadOnlySpan<byte> peerPublicKey)
    {
        ArgumentNullException.ThrowIfNull(privateKey);
        using var peer = ImportPublicKey(peerPublicKey);
        return privateKey.DeriveRawSecretAgreement(peer.PublicKey);
    }

    /// <summary>Checks that <paramref name="publicKey"/> is an uncompressed point on P-256, as <see cref="SharedSecret"/> needs.</summary>
    /// <exception cref="ArgumentException">It is not.</exception>
    public static void ValidatePublicKey(ReadOnlySpan<byte> publicKey) => ImportPublicKey(publicKey).Dispose();

    private static ECDiffieHellman ImportPublicKey(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != PublicKeyLength || bytes[0] != 0x04)
        {
            throw new ArgumentException($"a public key is a {PublicKeyLength}-byte uncompressed P-256 point (0x04 ‖ X ‖ Y)", nameof(bytes));
        }

        var parameters = new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new ECPoint { X = bytes[1..33].ToArray(), Y = bytes[33..].ToArray() },
        };
        try
        {
            // Import checks that the point lies on the curve, which rules out invalid-curve attacks on our private key.
            return ECDiffieHellman.Create(parameters);
        }
        catch (CryptographicException e)
        {
            throw new ArgumentException("the public key is not a point of P-256", nameof(bytes), e);
        }
    }
}
