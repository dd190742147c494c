using MathNet.Numerics.Random;

namespace Federated.Coordinator.Rounds;

/// <summary>
/// The default <see cref="IParticipantSampler"/>: as many nodes as the run config asks for (<c>nodesPerRound</c>, or
/// <c>fractionPerRound</c> of the eligible, at least <c>minClients</c>), and which, reproducibly.
/// </summary>
/// <param name="config">The run's validated config.</param>
internal sealed class NodeSelector(Runs.RunConfig config) : IParticipantSampler
{
    /// <inheritdoc />
    public bool CommitsWithoutQuorum => false;

    /// <inheritdoc />
    public IReadOnlyList<string>? Sample(IReadOnlyList<string> eligible, long round) => Select(eligible, config, round);

    /// <summary>
    /// The nodes of round <paramref name="round"/>: a partial Fisher–Yates shuffle of the sorted eligible ids, seeded by
    /// the run's seed and the round, so a restarted coordinator selects the same nodes. Null when fewer than
    /// <c>minClients</c> are eligible.
    /// </summary>
    /// <param name="eligible">Connected, not revoked nodes of the run, sorted by id.</param>
    /// <param name="config">The run config (nodesPerRound or fractionPerRound, minClients, seed).</param>
    /// <param name="round">The round being started.</param>
    /// <returns>The selected ids, sorted; or null.</returns>
    public static IReadOnlyList<string>? Select(IReadOnlyList<string> eligible, Runs.RunConfig config, long round)
    {
        if (eligible.Count < config.MinClients)
        {
            return null;
        }

        var wanted = config.NodesPerRound ?? (config.FractionPerRound is { } fraction ? (int)Math.Ceiling(fraction * eligible.Count) : eligible.Count);
        wanted = Math.Min(Math.Max(wanted, config.MinClients), eligible.Count);
        var pool = eligible.ToList();
        var random = new Xoshiro256StarStar(unchecked((config.Seed * 7919) + (int)round), threadSafe: false);
        for (var i = 0; i < wanted; i++)
        {
            var j = i + random.Next(pool.Count - i);
            (pool[i], pool[j]) = (pool[j], pool[i]);
        }

        return pool.Take(wanted).Order(StringComparer.Ordinal).ToList();
    }
}
