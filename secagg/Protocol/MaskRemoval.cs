using System.Security.Cryptography;
using Federated.SecureAggregation.Crypto;
using Federated.SecureAggregation.Protocol.Messages;
using Federated.SecureAggregation.Sharing;

namespace Federated.SecureAggregation.Protocol;

/// <summary>
/// The server's last step: Σ_{u∈U3} y_u still carries every survivor's self-mask PRG(b_u) and, for each party v that
/// shared keys but sent no input, the pairwise masks ±PRG(s_uv) of its surviving neighbours u (their partners in U3
/// cancelled already). Both are rebuilt from t shares and taken out.
/// </summary>
internal static class MaskRemoval
{
    public static void RemoveSelfMasks(uint[] sum, int[] survivors, IEnumerable<UnmaskResponse> responses, int threshold)
    {
        var shares = Gather(responses, r => r.SelfMaskShares);
        foreach (var survivor in survivors)
        {
            var seed = Reconstruct(shares, survivor, threshold, "self-mask seed");
            MaskExpansion.Subtract(seed, sum);
            CryptographicOperations.ZeroMemory(seed);
        }
    }

    public static void RemovePairwiseMasks(
        uint[] sum,
        int[] dropped,
        int[] survivors,
        IEnumerable<UnmaskResponse> responses,
        IReadOnlyDictionary<int, KeyAdvertisement> keys,
        NeighbourGraph graph,
        SecAggRoundSetup setup)
    {
        var shares = Gather(responses, r => r.MaskKeyShares);
        foreach (var gone in dropped)
        {
            var scalar = Reconstruct(shares, gone, setup.Threshold, "mask key");
            using var maskKey = KeyAgreement.ImportPrivateKey(scalar);
            CryptographicOperations.ZeroMemory(scalar);
            if (!KeyAgreement.ExportPublicKey(maskKey).AsSpan().SequenceEqual(keys[gone].MaskPublicKey))
            {
                throw new SecureAggregationException($"the mask key rebuilt for dropped party {gone} does not match the key it advertised: a share was corrupt");
            }

            foreach (var survivor in survivors.Where(s => graph.AreNeighbours(gone, s)))
            {
                var seed = SeedDerivation.PairwiseMaskSeed(KeyAgreement.SharedSecret(maskKey, keys[survivor].MaskPublicKey), setup.Context, survivor, gone);
                // The survivor added PRG(s_uv) when v < u and subtracted it when v > u; undo exactly that.
                if (gone < survivor)
                {
                    MaskExpansion.Subtract(seed, sum);
                }
                else
                {
                    MaskExpansion.Add(seed, sum);
                }

                CryptographicOperations.ZeroMemory(seed);
            }
        }
    }

    /// <summary>Owner → the shares revealed for it, each at x = the responder's id.</summary>
    private static Dictionary<int, List<SecretShare>> Gather(IEnumerable<UnmaskResponse> responses, Func<UnmaskResponse, IReadOnlyList<RevealedShare>> pick)
    {
        var byOwner = new Dictionary<int, List<SecretShare>>();
        foreach (var response in responses)
        {
            foreach (var revealed in pick(response))
            {
                if (!byOwner.TryGetValue(revealed.Owner, out var list))
                {
                    byOwner[revealed.Owner] = list = [];
                }

                list.Add(new SecretShare(response.Party, revealed.Share));
            }
        }

        return byOwner;
    }

    private static byte[] Reconstruct(Dictionary<int, List<SecretShare>> shares, int owner, int threshold, string what)
    {
        var available = shares.TryGetValue(owner, out var list) ? list : [];
        if (available.Count < threshold)
        {
            throw new SecureAggregationAbortedException($"party {owner}'s {what} has {available.Count} shares among the unmask responses, fewer than the threshold {threshold}");
        }

        return ShamirSecretSharing.Combine(available, threshold);
    }
}
