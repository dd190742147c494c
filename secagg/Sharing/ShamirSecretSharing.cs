using System.Security.Cryptography;

namespace Federated.SecureAggregation.Sharing;

/// <summary>
/// Shamir's t-of-n secret sharing (Shamir, CACM 1979) of 32-byte secrets, byte by byte over GF(2^8): each secret byte is
/// the constant term of its own random polynomial of degree t − 1, and share x holds the 32 polynomials' values at x.
/// Any t shares give the secret by Lagrange interpolation at 0; t − 1 shares give no information about it.
/// </summary>
/// <remarks>
/// Why GF(2^8) and not a prime field: the secrets are arbitrary 32-byte strings (a self-mask seed, a P-256 scalar), and a
/// byte-wise binary field shares them as they are, with no reduction, no big integers and a share exactly as long as the
/// secret; additions are XOR and multiplications a constant-time loop. The price is at most 255 holders (x = 1…255),
/// which bounds a complete-graph round to 255 parties; larger rounds use the neighbour graph (SecAgg+), where only a
/// party's neighbours hold its shares but ids still name the evaluation points.
/// </remarks>
public static class ShamirSecretSharing
{
    /// <summary>Bytes of a shared secret.</summary>
    public const int SecretLength = 32;

    /// <summary>The largest share index (and so the largest number of holders).</summary>
    public const int MaxIndex = 255;

    /// <summary>
    /// Splits <paramref name="secret"/> into one share per index of <paramref name="indices"/> (distinct, 1–255) such that
    /// any <paramref name="threshold"/> of them reconstruct it. Coefficients come from <paramref name="random"/>
    /// (default the CSPRNG).
    /// </summary>
    public static SecretShare[] Split(ReadOnlySpan<byte> secret, int threshold, IReadOnlyList<int> indices, RandomSource? random = null)
    {
        ArgumentNullException.ThrowIfNull(indices);
        if (secret.Length != SecretLength)
        {
            throw new ArgumentException($"a shared secret has {SecretLength} bytes, not {secret.Length}", nameof(secret));
        }

        ValidateIndices(indices.Select(i => i), nameof(indices));
        if (threshold < 1 || threshold > indices.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold, $"the threshold must be between 1 and the number of holders ({indices.Count})");
        }

        // Row k holds the degree-k coefficients of the 32 polynomials; row 0 is the secret.
        var coefficients = new byte[threshold * SecretLength];
        secret.CopyTo(coefficients);
        (random ?? RandomSource.System).Fill(coefficients.AsSpan(SecretLength));
        try
        {
            var shares = new SecretShare[indices.Count];
            for (var s = 0; s < indices.Count; s++)
            {
                var x = (byte)indices[s];
                var value = new byte[SecretLength];
                for (var b = 0; b < SecretLength; b++)
                {
                    // Horner from the highest degree down.
                    byte y = 0;
                    for (var k = threshold - 1; k >= 0; k--)
                    {
                        y = (byte)(GaloisField256.Multiply(y, x) ^ coefficients[(k * SecretLength) + b]);
                    }

                    value[b] = y;
                }

                shares[s] = new SecretShare(x, value);
            }

            return shares;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(coefficients);
        }
    }

    /// <summary>
    /// Reconstructs the secret from at least <paramref name="threshold"/> shares (the first <paramref name="threshold"/>
    /// are used). Fewer shares, duplicate or out-of-range indices, or shares of the wrong length are refused.
    /// </summary>
    /// <exception cref="ArgumentException">The shares cannot reconstruct a secret; the message says why.</exception>
    public static byte[] Combine(IReadOnlyList<SecretShare> shares, int threshold)
    {
        ArgumentNullException.ThrowIfNull(shares);
        ArgumentOutOfRangeException.ThrowIfLessThan(threshold, 1);
        if (shares.Count < threshold)
        {
            throw new ArgumentException($"{shares.Count} shares cannot reconstruct a secret shared with threshold {threshold}", nameof(shares));
        }

        ValidateIndices(shares.Select(s => s.Index), nameof(shares));
        foreach (var share in shares)
        {
            if (share.Value is null || share.Value.Length != SecretLength)
            {
                throw new ArgumentException($"share {share.Index} has {share.Value?.Length ?? 0} bytes, not {SecretLength}", nameof(shares));
            }
        }

        var secret = new byte[SecretLength];
        for (var i = 0; i < threshold; i++)
        {
            // Lagrange basis at 0: λ_i = Π_{j≠i} x_j / (x_j − x_i), and subtraction is XOR in GF(2^8).
            var xi = (byte)shares[i].Index;
            byte numerator = 1, denominator = 1;
            for (var j = 0; j < threshold; j++)
            {
                if (j != i)
                {
                    var xj = (byte)shares[j].Index;
                    numerator = GaloisField256.Multiply(numerator, xj);
                    denominator = GaloisField256.Multiply(denominator, (byte)(xj ^ xi));
                }
            }

            var lambda = GaloisField256.Multiply(numerator, GaloisField256.Inverse(denominator));
            var value = shares[i].Value;
            for (var b = 0; b < SecretLength; b++)
            {
                secret[b] ^= GaloisField256.Multiply(lambda, value[b]);
            }
        }

        return secret;
    }

    private static void ValidateIndices(IEnumerable<int> indices, string parameter)
    {
        var seen = new HashSet<int>();
        foreach (var index in indices)
        {
            if (index < 1 || index > MaxIndex)
            {
                throw new ArgumentException($"share index {index} is outside 1–{MaxIndex} (index 0 would be the secret itself)", parameter);
            }

            if (!seen.Add(index))
            {
                throw new ArgumentException($"share index {index} appears twice", parameter);
            }
        }
    }
}
