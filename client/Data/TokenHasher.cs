using System.Text;

namespace Federated.Client.Data;

/// <summary>
/// Maps string tokens of hashed (<c>buckets</c>) fields to embedding rows with FNV-1a 64 over the
/// token's UTF-8 bytes, salted with the field name, so that every node and every process agrees on
/// the row of a token without exchanging a vocabulary.
/// </summary>
/// <remarks>
/// Unlike <see cref="string.GetHashCode()"/>, the hash is stable across processes, machines and .NET
/// versions. The field name is mixed in so that equal tokens of different fields (item "1", user "1")
/// do not collide systematically.
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
    public static int Bucket(string field, string token, int buckets)
    {
        ArgumentNullException.ThrowIfNull(field);
        ArgumentNullException.ThrowIfNull(token);
        ArgumentOutOfRangeException.ThrowIfLessThan(buckets, 1);
        var hash = Continue(OffsetBasis, field);
        hash = Step(hash, 0x1F); // unit separator between field and token
        hash = Continue(hash, token);
        return (int)(hash % (ulong)buckets);
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
