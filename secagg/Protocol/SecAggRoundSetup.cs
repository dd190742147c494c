using Federated.SecureAggregation.Crypto;
using Federated.SecureAggregation.Sharing;

namespace Federated.SecureAggregation.Protocol;

/// <summary>
/// What the server announces and every party of a round agrees on before the round starts: the context keys are bound
/// to, the selected parties, the threshold, the vector length and the neighbour graph.
/// </summary>
/// <param name="Context">Run id and round number; every derived key and sealed bundle is bound to them.</param>
/// <param name="Parties">The selected parties' ids: 2–255 distinct ids in 1–255 (an id is also the party's Shamir evaluation point).</param>
/// <param name="Threshold">
/// t: the shares needed to reconstruct a secret, and the fewest parties of a neighbourhood that must remain at every
/// phase. 2 ≤ t ≤ the neighbourhood size (k + 1, or n for the complete graph). Up to t − 1 parties that collude with the
/// server learn nothing beyond the sum; up to (neighbourhood − t) drop-outs per neighbourhood are survived.
/// </param>
/// <param name="VectorLength">Elements of every input, 1 – <see cref="MaxVectorLength"/>.</param>
/// <param name="Neighbours">
/// k: 0 for the complete graph (Bonawitz et al. 2017: every pair masks), otherwise an even k, 2 ≤ k ≤ n − 1: each party
/// masks with and shares among only its k neighbours in a Harary graph H(k, n) over a random permutation of the parties
/// (Bell et al. 2020, SecAgg+), so a party's cost grows with k, not n.
/// </param>
/// <param name="GraphSeed">32 public random bytes that fix the permutation (required when <paramref name="Neighbours"/> &gt; 0); drawn by the server from a CSPRNG.</param>
public sealed record SecAggRoundSetup(SecAggContext Context, IReadOnlyList<int> Parties, int Threshold, int VectorLength, int Neighbours = 0, byte[]? GraphSeed = null)
{
    /// <summary>The largest vector a round masks: 2^26 elements (256 MiB of uint32 per input).</summary>
    public const int MaxVectorLength = 1 << 26;

    /// <summary>Parties that share a secret with a given party, itself included: k + 1, or n for the complete graph.</summary>
    public int NeighbourhoodSize => Neighbours == 0 ? Parties.Count : Neighbours + 1;

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first field that is out of range.</summary>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Context);
        Context.Validate();
        ArgumentNullException.ThrowIfNull(Parties);
        if (Parties.Count < 2 || Parties.Count > ShamirSecretSharing.MaxIndex)
        {
            throw new ArgumentException($"a round has 2 to {ShamirSecretSharing.MaxIndex} parties, not {Parties.Count}", nameof(Parties));
        }

        if (Parties.Any(p => p < 1 || p > ShamirSecretSharing.MaxIndex) || Parties.Distinct().Count() != Parties.Count)
        {
            throw new ArgumentException($"party ids must be distinct and in 1–{ShamirSecretSharing.MaxIndex}", nameof(Parties));
        }

        if (VectorLength < 1 || VectorLength > MaxVectorLength)
        {
            throw new ArgumentOutOfRangeException(nameof(VectorLength), VectorLength, $"the vector length must be in 1–{MaxVectorLength}");
        }

        if (Neighbours != 0 && (Neighbours < 2 || Neighbours % 2 != 0 || Neighbours > Parties.Count - 1))
        {
            throw new ArgumentOutOfRangeException(nameof(Neighbours), Neighbours, $"the neighbour count k must be 0 (complete graph) or even and in 2–{Parties.Count - 1}");
        }

        if (Neighbours != 0 && GraphSeed?.Length != SeedDerivation.SeedLength)
        {
            throw new ArgumentException($"a neighbour graph needs a {SeedDerivation.SeedLength}-byte graph seed", nameof(GraphSeed));
        }

        if (Threshold < 2 || Threshold > NeighbourhoodSize)
        {
            throw new ArgumentOutOfRangeException(nameof(Threshold), Threshold, $"the threshold t must be in 2–{NeighbourhoodSize} (the neighbourhood size)");
        }
    }
}
