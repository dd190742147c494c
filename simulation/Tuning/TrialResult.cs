namespace Federated.Simulation.Tuning;

/// <summary>One trial at one rung of the search: its settings, the rounds it trained, and its best validation figure.</summary>
/// <param name="Trial">The trial's index in the sample (0-based).</param>
/// <param name="Rung">The rung of successive halving (0 = the first, shortest).</param>
/// <param name="Rounds">Federated rounds it was given.</param>
/// <param name="Settings">Its settings.</param>
/// <param name="Score">Its best pooled validation figure over those rounds (NaN when none was finite).</param>
/// <param name="BestRound">The round of that figure (−1 when none).</param>
/// <param name="LastRound">The last round it trained: fewer than <paramref name="Rounds"/> when its patience ran out.</param>
/// <param name="Reused">
/// True when the trial had already stopped early at a shorter rung: a run is deterministic for its settings and seed,
/// so training it again with more rounds would stop at the same round with the same figures.
/// </param>
public sealed record TrialResult(int Trial, int Rung, int Rounds, TrialSettings Settings, double Score, int BestRound, int LastRound, bool Reused)
{
    /// <summary>The round in which the trial's model diverged (its predictions stopped being finite); null when it did not.</summary>
    public int? DivergedRound { get; init; }
}
