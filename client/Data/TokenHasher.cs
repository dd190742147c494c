using System.Text;

namespace Federated.Client.Data;

/// <summary>
/// Maps string tokens of hashed (<c>buckets</c>) fields to embedding rows with FNV-1a 64 over the
/// token's UTF-8 bytes, salted with the field name, so that every node and every process agrees on
/// the row of a token without exchanging a vocabulary. The spec's <c>hashVersion</c> chooses the recipe.
/// </summary>
/// <remarks>
/// <para>Unlike <see cref="string.GetHashCode()"/>, the hash is stable across processes, machines and .NET
/// versions. The field name is mixed in so that equal tokens of different fields (item "1", user "1")
/// do not collide systematically.</para>
/// <para>Version 1 takes FNV-1a's value modulo the bucket count. FNV-1a's last step multiplies by an odd prime, so
/// its low bits depend only on the low bits of the bytes, and power-of-two bucket counts keep only those bits: for
/// the field "occupation", "administrator" and "homemaker" share a row at 64, 1024 and 4096 buckets. Version 2 passes
/// the value through MurmurHash3's 64-bit finaliser fmix64 (Appleby 2011; xor-shift, multiply, xor-shift, multiply,
/// xor-shift, a bijection in which every input bit affects every output bit) before the modulo.</para>
/// </remarks>
public static class TokenHasher
{
    private const ulong OffsetBasis = 14695981039346656037UL;
    private const ulong Prime = 1099511628211UL;

    /// <summary>The 64-bit FNV-1a hash of the UTF-8 bytes of <paramref name="text"/>.</summary>
    /// <param name="text">Any string; the empty string hashes to the FNV offset basis.</param>
    /// <returns>The hash.</returns>
    public static ulong Hash64(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Continue(OffsetBasis, text);
    }

    /// <summary>The row of <paramref name="token"/> in a hashed field of <paramref name="buckets"/> rows.</summary>
    /// <param name="field">The field's name (salts the hash).</param>
    /// <param name="token">The token.</param>
    /// <param name="buckets">The number of rows, ≥ 1.</param>
    /// <returns>A row in [0, buckets).</returns>
    public static int Bucket(string field, string token, int buckets) => Bucket(field, token, buckets, 1);

    /// <summary>The row of <paramref name="token"/> in a hashed field of <paramref name="buckets"/> rows, by hash version.</summary>
    /// <param name="field">The field's name (salts the hash).</param>
    /// <param name="token">The token.</param>
    /// <param name="buckets">The number of rows, ≥ 1.</param>
    /// <param name="hashVersion">1 (FNV-1a, bit for bit what every earlier spec used) or 2 (FNV-1a then fmix64).</param>
    /// <returns>A row in [0, buckets).</returns>
    public static int Bucket(string field, string token, int buckets, int hashVersion)
    {
        ArgumentNullException.ThrowIfNull(field);
        ArgumentNullException.ThrowIfNull(token);
        ArgumentOutOfRangeException.ThrowIfLessThan(buckets, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(hashVersion, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(hashVersion, 2);
        var hash = Continue(OffsetBasis, field);
        hash = Step(hash, 0x1F); // unit separator between field and token
        hash = Continue(hash, token);
        if (hashVersion == 2)
        {
            hash = Mix64(hash);
        }

        return (int)(hash % (ulong)buckets);
    }

    /// <summary>MurmurHash3's 64-bit finaliser fmix64: a bijection whose every output bit depends on every input bit.</summary>
    /// <param name="hash">Any value.</param>
    /// <returns>The mixed value.</returns>
    public static ulong Mix64(ulong hash)
    {
        hash ^= hash >> 33;
        hash *= 0xff51afd7ed558ccdUL;
        hash ^= hash >> 33;
        hash *= 0xc4ceb9fe1a85ec53UL;
        hash ^= hash >> 33;
        return hash;
    }

    private static ulong Continue(ulong hash, string text)
    {
        Span<byte> buffer = stackalloc byte[256];
        var bytes = Encoding.UTF8.GetMaxByteCount(text.Length) <= buffer.Length
            ? buffer[..Encoding.UTF8.GetBytes(text, buffer)]
            : Encoding.UTF8.GetBytes(text);
        foreach (var b in bytes)
        {
            hash = Step(hash, b);
        }

        return hash;
    }

    private static ulong Step(ulong hash, byte value) => (hash ^ value) * Prime;
}
