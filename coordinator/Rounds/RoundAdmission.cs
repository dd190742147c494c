using System.Diagnostics.CodeAnalysis;

namespace Federated.Coordinator.Rounds;

/// <summary>
/// The checks every submission to a round makes first, with the same refusals whatever it carries (an update, label
/// statistics): the run is active, the named round is the open one and still takes submissions, and the node holds a
/// slot in it. The caller holds the run's state lock.
/// </summary>
internal static class RoundAdmission
{
    /// <summary>The run is active and <paramref name="round"/> is its open round, not closing.</summary>
    /// <param name="run">The run.</param>
    /// <param name="open">Its open round, or null.</param>
    /// <param name="round">The round the node names.</param>
    /// <param name="takesNoMore">How a closing round's refusal ends, e.g. "it takes no more updates".</param>
    /// <exception cref="RejectionException">RunNotActive, FutureRound or StaleRound.</exception>
    public static void CheckOpen(RunSession run, [NotNull] RoundSession? open, long round, string takesNoMore)
    {
        if (!run.IsActive)
        {
            throw new RejectionException(Rejection.RunNotActive, $"run {run.Id} is {run.Status.ToString().ToLowerInvariant()}");
        }

        if (open is null)
        {
            throw round > run.LastRound
                ? new RejectionException(Rejection.FutureRound, $"round {round} has not started; no round of run {run.Id} is open")
                : new RejectionException(Rejection.StaleRound, $"round {round} is closed; no round of run {run.Id} is open");
        }

        if (round < open.Round || (round == open.Round && open.Closing))
        {
            throw new RejectionException(Rejection.StaleRound, open.Closing && round == open.Round
                ? $"round {round} is closing; {takesNoMore}"
                : $"round {round} is closed; the open round is {open.Round}");
        }

        if (round > open.Round)
        {
            throw new RejectionException(Rejection.FutureRound, $"round {round} has not started; the open round is {open.Round}");
        }
    }

    /// <summary>The node was selected for <paramref name="open"/> and has not given its slot up.</summary>
    /// <exception cref="RejectionException">NotSelected.</exception>
    public static void CheckSelected(RoundSession open, string nodeId)
    {
        if (open.Released.Contains(nodeId))
        {
            throw new RejectionException(Rejection.NotSelected, $"node '{nodeId}' gave up its slot in round {open.Round} (it left the run or was revoked)");
        }

        if (!open.SelectedSet.Contains(nodeId))
        {
            throw new RejectionException(Rejection.NotSelected, $"node '{nodeId}' was not selected for round {open.Round}");
        }
    }
}
