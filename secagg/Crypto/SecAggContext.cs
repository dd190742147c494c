using System.Buffers.Binary;
using System.Text;

namespace Federated.SecureAggregation.Crypto;

/// <summary>
/// What every derived key and every authenticated message of one secure-aggregation round is bound to: the run's id and
/// the round number. Two rounds, or two runs, never derive the same pairwise seed or accept each other's ciphertexts.
/// </summary>
/// <param name="RunId">The run's id: 1–256 UTF-8 bytes, no NUL character (NUL separates fields in the encodings below).</param>
/// <param name="Round">The round number, ≥ 0.</param>
public sealed record SecAggContext(string RunId, long Round)
{
    /// <summary>Protocol name and version at the head of every HKDF info string and every associated-data block.</summary>
    public const string ProtocolLabel = "federated.secagg.v1";

    /// <summary>Throws <see cref="ArgumentException"/> naming the field when the context cannot be encoded unambiguously.</summary>
    public void Validate()
    {
        if (string.IsNullOrEmpty(RunId) || Encoding.UTF8.GetByteCount(RunId) > 256 || RunId.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException("the run id must have 1 to 256 UTF-8 bytes and no NUL character", nameof(RunId));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(Round);
    }

    /// <summary>
    /// The binding of a pairwise derivation: <c>"federated.secagg.v1" 0x00 purpose 0x00 runId 0x00 round (int64 BE)
    /// lowerParty (int32 BE) higherParty (int32 BE)</c>. The party ids are ordered so both ends derive the same bytes.
    /// </summary>
    internal byte[] Encode(string purpose, int partyA, int partyB)
    {
        var lower = Math.Min(partyA, partyB);
        var higher = Math.Max(partyA, partyB);
        var head = Encoding.UTF8.GetBytes($"{ProtocolLabel}\0{purpose}\0{RunId}\0");
        var bytes = new byte[head.Length + 16];
        head.CopyTo(bytes, 0);
        BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(head.Length), Round);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(head.Length + 8), lower);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(head.Length + 12), higher);
        return bytes;
    }
}
