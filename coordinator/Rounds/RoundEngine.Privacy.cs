using Federated.Coordinator.Aggregation.Privacy;
using Federated.Coordinator.Runs;

namespace Federated.Coordinator.Rounds;

/// <summary>A private run's ledger where the engine needs it outside a round: an ended run's, and the runs it composes with.</summary>
public sealed partial class RoundEngine
{
    /// <summary>
    /// What an ended private run spent, for operators (its strategy is not restored: no round follows): its last
    /// version's ledger and the secure attempts that failed after that version; null when the run is not private or
    /// that ledger cannot be read.
    /// </summary>
    private PrivacyLedger? EndedRunLedger(RunSession run, IReadOnlyList<StoredRound> rounds)
    {
        if (run.Pipeline.Privacy is not { } dp)
        {
            return null;
        }

        PrivacyLedger ledger;
        if (_store.LoadStrategyState(run.Id, run.Version) is not { } state)
        {
            if (run.Version != 0)
            {
                return null;
            }

            ComposePriorRuns(run);
            ledger = dp.Ledger;
        }
        else
        {
            try
            {
                ledger = PrivacyLedger.Deserialize(state, dp.Plan).Ledger;
            }
            catch (InvalidDataException)
            {
                return null;
            }
        }

        for (var i = FailedSecureAttemptsSince(run.Config, rounds, run.Version); i > 0; i--)
        {
            ledger = ledger.AfterRound(ledger.ClipNorm);
        }

        return ledger;
    }

    /// <summary>
    /// The secure rounds that failed after <paramref name="version"/> was stored: each is a sampled step the accountant
    /// counts (a private round fails only that way), but only the next version's ledger would store it.
    /// </summary>
    private static int FailedSecureAttemptsSince(RunConfig config, IReadOnlyList<StoredRound> rounds, long version) =>
        config.SecureAggregation is null || config.Privacy is null ? 0 : rounds.Count(r => r.State == RoundState.Failed && r.BaseVersion == version);

    /// <summary>
    /// Starts a private run's accountant from the spending of the runs its config names in <c>privacy.composeWith</c>
    /// (each private and ended, so what it spent is final); nothing for other runs.
    /// </summary>
    /// <exception cref="RunConfigException">A named run is unknown, not private, or not ended.</exception>
    private void ComposePriorRuns(RunSession run)
    {
        if (run.Pipeline.Privacy is not { Plan.ComposeWith: { Count: > 0 } names } dp)
        {
            return;
        }

        var prior = new Privacy.RdpAccountant();
        foreach (var name in names)
        {
            RunSession other;
            lock (_runsGate)
            {
                if (!_runs.TryGetValue(name, out other!))
                {
                    throw new RunConfigException("privacy.composeWith", $"no run '{name}' on this coordinator");
                }
            }

            PrivacyLedger? ledger;
            RunStatus status;
            lock (other.State)
            {
                ledger = other.Privacy;
                status = other.Status;
            }

            if (other.Pipeline.Privacy is null)
            {
                throw new RunConfigException("privacy.composeWith", $"run '{name}' is not private: what it released has no guarantee to compose with");
            }

            if (status is RunStatus.Running or RunStatus.Paused)
            {
                throw new RunConfigException("privacy.composeWith", $"run '{name}' is still {status.ToString().ToLowerInvariant()}: what it will spend is not known yet (wait for it to end, or stop it)");
            }

            if (ledger is null || !ledger.Accountant.Orders.SequenceEqual(prior.Orders))
            {
                throw new RunConfigException("privacy.composeWith", $"the privacy ledger of run '{name}' cannot be read");
            }

            prior.Compose(ledger.Accountant);
        }

        dp.StartFrom(prior);
    }
}
