namespace Federated.Coordinator.Rounds;

/// <summary>
/// Chooses the nodes of a round among the eligible ones (connected, not revoked, polled since they joined). Each run's
/// <see cref="Pipeline.RoundPipeline"/> carries one: a fixed count by default, Poisson sampling when the run is private.
/// </summary>
public interface IParticipantSampler
{
    /// <summary>
    /// Whether a round of this sampler's commits with whatever its nodes sent — even nothing — instead of needing the run's
    /// quorum. True for Poisson sampling: the privacy analysis counts every round that was sampled, so a round must not
    /// fail (and be drawn again) because of how many answered.
    /// </summary>
    bool CommitsWithoutQuorum { get; }

    /// <summary>The nodes of round <paramref name="round"/>.</summary>
    /// <param name="eligible">The eligible node ids, sorted ordinally.</param>
    /// <param name="round">The round being started (≥ 1).</param>
    /// <returns>
    /// The selected ids, sorted ordinally; possibly empty when <see cref="CommitsWithoutQuorum"/> (the round then commits at
    /// once); null when too few nodes are eligible for a round to start.
    /// </returns>
    IReadOnlyList<string>? Sample(IReadOnlyList<string> eligible, long round);
}
