namespace Federated.Coordinator.Rounds;

/// <summary>
/// Nodes that go away: a node that leaves a run, or whose token is revoked, gives up its slot in the open round at once,
/// so that the round does not wait for it until its deadline.
/// </summary>
public sealed partial class RoundEngine
{
    /// <summary>
    /// The node leaves a run: it is no longer a member of it nor selectable, and if it holds a slot in the open round
    /// without having sent, the slot is released (see <see cref="ReleaseRevoked"/> for the rule).
    /// </summary>
    /// <exception cref="RejectionException">Unknown run.</exception>
    public void Leave(string nodeId, string runId)
    {
        var run = RequireRun(runId);
        var events = new List<RoundEvent>();
        run.Writer.Wait();
        try
        {
            RoundSession? closing;
            lock (run.State)
            {
                run.Joined.Remove(nodeId);
                run.RestoredMembers.Remove(nodeId);
                run.Ready.Remove(nodeId);
                closing = ReleaseSlot(run, nodeId, "left the run", events);
            }

            _presence.Leave(nodeId, runId);
            _store.DeleteNodeRun(nodeId, runId);
            CommitReleased(run, closing, events);
        }
        finally
        {
            run.Writer.Release();
        }

        Events.Publish(events);
    }

    /// <summary>
    /// Releases the slots of a node whose token was just revoked, in every open round that selected it and has no update
    /// of it: the round no longer waits for it. When every remaining selected node has sent and the quorum is met the
    /// round commits now; when the quorum can no longer be met it fails now, as it would at its deadline (retried or
    /// failing the run by the run's no-quorum policy). An update it already sent stays counted.
    /// </summary>
    public void ReleaseRevoked(string nodeId)
    {
        foreach (var run in AllRuns())
        {
            var events = new List<RoundEvent>();
            run.Writer.Wait();
            try
            {
                RoundSession? closing;
                lock (run.State)
                {
                    run.Ready.Remove(nodeId);
                    closing = ReleaseSlot(run, nodeId, "was revoked", events);
                }

                CommitReleased(run, closing, events);
            }
            finally
            {
                run.Writer.Release();
            }

            Events.Publish(events);
        }
    }

    /// <summary>
    /// Releases <paramref name="nodeId"/>'s slot in the open round if it holds one and has not sent; returns the round
    /// when it is now complete and must be committed (marked closing). The caller holds the writer and state locks.
    /// </summary>
    private RoundSession? ReleaseSlot(RunSession run, string nodeId, string cause, List<RoundEvent> events)
    {
        if (run.OpenRound is not { Closing: false } open || !open.Holds(nodeId) || open.Accepted.ContainsKey(nodeId))
        {
            return null;
        }

        open.Released.Add(nodeId);
        _store.SaveRound(open.ToStored(run.Id, RoundState.Open));
        RoundsLog.SlotReleased(_logger, run.Id, open.Round, nodeId, cause);
        if (open.Secure is not null)
        {
            return ReleaseSecureParty(run, open, nodeId, events);
        }

        if (open.Awaited < run.Config.EffectiveQuorum)
        {
            FailRound(run, events, $"node {nodeId} {cause}");
            return null;
        }

        if (open.Accepted.Count == open.Awaited)
        {
            open.Closing = true;
            return open;
        }

        return null;
    }

    /// <summary>Commits a round a release completed; the caller holds the writer lock only.</summary>
    private void CommitReleased(RunSession run, RoundSession? closing, List<RoundEvent> events)
    {
        if (closing is null)
        {
            return;
        }

        try
        {
            Commit(run, closing, events);
        }
#pragma warning disable CA1031 // The node's leave or revocation took effect; a commit that failed to store is logged and done again at the deadline.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }
}
