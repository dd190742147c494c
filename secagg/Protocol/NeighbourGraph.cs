using System.Buffers.Binary;

namespace Federated.SecureAggregation.Protocol;

/// <summary>
/// Who masks with whom. The complete graph (Bonawitz et al. 2017) or, for SecAgg+ (Bell et al. 2020, §3), the Harary
/// graph H(k, n) over a random permutation of the parties: the parties sit on a ring in permuted order and each is joined
/// to the k/2 nearest on either side, a k-regular graph whose random labelling keeps the server from placing chosen
/// parties next to one another. Server and nodes build the same graph from the round's public seed.
/// </summary>
public sealed class NeighbourGraph
{
    private readonly Dictionary<int, int[]> _neighbours;

    private NeighbourGraph(Dictionary<int, int[]> neighbours) => _neighbours = neighbours;

    /// <summary>The graph of a validated <paramref name="setup"/>.</summary>
    public static NeighbourGraph Create(SecAggRoundSetup setup)
    {
        ArgumentNullException.ThrowIfNull(setup);
        var parties = setup.Parties.Order().ToArray();
        var neighbours = new Dictionary<int, int[]>();
        if (setup.Neighbours == 0)
        {
            foreach (var party in parties)
            {
                neighbours[party] = parties.Where(p => p != party).ToArray();
            }

            return new NeighbourGraph(neighbours);
        }

        var ring = Shuffle(parties, RandomSource.FromSeed(setup.GraphSeed));
        var n = ring.Length;
        for (var position = 0; position < n; position++)
        {
            var around = new List<int>(setup.Neighbours);
            for (var step = 1; step <= setup.Neighbours / 2; step++)
            {
                around.Add(ring[(position + step) % n]);
                around.Add(ring[(position - step + n) % n]);
            }

            neighbours[ring[position]] = around.Distinct().Order().ToArray();
        }

        return new NeighbourGraph(neighbours);
    }

    /// <summary>The neighbours of <paramref name="party"/> in ascending order, without the party itself.</summary>
    public IReadOnlyList<int> NeighboursOf(int party) =>
        _neighbours.TryGetValue(party, out var list) ? list : throw new SecureAggregationException($"party {party} is not in this round");

    /// <summary>Whether <paramref name="a"/> and <paramref name="b"/> mask with each other.</summary>
    public bool AreNeighbours(int a, int b) => _neighbours.TryGetValue(a, out var list) && Array.BinarySearch(list, b) >= 0;

    /// <summary>Fisher–Yates with unbiased draws (rejection sampling) from the seeded keystream.</summary>
    private static int[] Shuffle(int[] items, RandomSource random)
    {
        var result = (int[])items.Clone();
        Span<byte> word = stackalloc byte[4];
        for (var i = result.Length - 1; i > 0; i--)
        {
            var bound = (uint)(i + 1);
            var limit = uint.MaxValue - (uint.MaxValue % bound);
            uint draw;
            do
            {
                random.Fill(word);
                draw = BinaryPrimitives.ReadUInt32LittleEndian(word);
            }
            while (draw >= limit);

            var j = (int)(draw % bound);
            (result[i], result[j]) = (result[j], result[i]);
        }

        return result;
    }
}
