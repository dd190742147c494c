namespace Federated.Coordinator.Rounds;

/// <summary>The node side of the engine: joining, leaving, polling for assignments, and starting rounds.</summary>
public sealed partial class RoundEngine
{
    /// <summary>
    /// Registers an enrolled node with a run (the single active run when <paramref name="runId"/> is empty) and marks it
    /// connected. It is selectable from its first poll on (<see cref="PollAssignment"/>, <see cref="WaitForAssignmentAsync"/>):
    /// a node that joins and dies before it polls is never drawn into a round.
    /// </summary>
    /// <exception cref="RejectionException">Unknown or revoked node, unknown run, or no single active run.</exception>
    public JoinResult Join(string nodeId, string? runId)
    {
        RequireNode(nodeId);
        var run = string.IsNullOrEmpty(runId) ? RequireSingleActiveRun() : RequireRun(runId);
        var events = new List<RoundEvent>();
        MarkSeen(nodeId, run, polled: false);
        TryStartRound(run, events);
        JoinResult result;
        lock (run.State)
        {
            result = new JoinResult(Summarize(run), run.Config.Spec);
        }

        Events.Publish(events);
        return result;
    }

    /// <summary>Answers at once: the node's assignment in the open round if it was selected and has not answered yet.</summary>
    /// <remarks>Polling also joins the node to the run and counts as a heartbeat; it may start a round.</remarks>
    public AssignmentPoll PollAssignment(string nodeId, string runId)
    {
        // Synchronous: nothing in it awaits, so it has completed (or failed) when it returns.
        var poll = Poll(nodeId, runId, synchronous: true, CancellationToken.None);
        return poll.IsCompletedSuccessfully ? poll.Result.Poll : poll.AsTask().GetAwaiter().GetResult().Poll;
    }

    /// <summary>Like <see cref="PollAssignment"/>, but waits up to <paramref name="maxWait"/> for an assignment or the run's end.</summary>
    public async Task<AssignmentPoll> WaitForAssignmentAsync(string nodeId, string runId, TimeSpan maxWait, CancellationToken cancellationToken = default)
    {
        var until = _time.GetUtcNow() + maxWait;
        while (true)
        {
            // The change signal is read under the same lock as the state it answers for, so a round that starts after
            // this poll completes it: no wake-up is lost between the poll and the wait.
            var (poll, changed) = await Poll(nodeId, runId, synchronous: false, cancellationToken).ConfigureAwait(false);
            var remaining = until - _time.GetUtcNow();
            if (poll.Assignment is not null || poll.RunEnded || remaining <= TimeSpan.Zero)
            {
                return poll;
            }

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var delay = Task.Delay(remaining, _time, timeout.Token);
            await Task.WhenAny(changed, delay).ConfigureAwait(false);
            await timeout.CancelAsync().ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    /// <summary>
    /// One poll. <paramref name="synchronous"/>: any wait for the run's writer lock blocks (the task is then complete when
    /// returned); otherwise it is awaited, so that a gRPC long poll holds no thread while a commit is written.
    /// </summary>
    private async ValueTask<(AssignmentPoll Poll, Task Changed)> Poll(string nodeId, string runId, bool synchronous, CancellationToken cancellationToken)
    {
        RequireNode(nodeId);
        var run = RequireRun(runId);
        var events = new List<RoundEvent>();
        MarkSeen(nodeId, run, polled: true);
        TryStartRound(run, events);
        await CommitEmptyRounds(run, events, synchronous, cancellationToken).ConfigureAwait(false);
        (AssignmentPoll, Task) result;
        lock (run.State)
        {
            result = (AssignmentFor(run, nodeId), run.Changed);
        }

        Events.Publish(events);
        return result;
    }

    /// <summary>Starts a round if one can start.</summary>
    /// <remarks>
    /// Needs only the state lock: while a commit is being written the round is still open (closing), so nothing starts,
    /// and the commit starts the next round itself when it swaps the new version in.
    /// </remarks>
    private void TryStartRound(RunSession run, List<RoundEvent> events)
    {
        lock (run.State)
        {
            StartRoundIfPossible(run, events);
        }
    }

    /// <summary>
    /// Commits the open round while it is one whose sample drew nobody (each commit may start another such round). A poll
    /// that finds one waits for the run's writer lock (blocking when <paramref name="synchronous"/>, else awaiting it), so
    /// that it answers from the round that follows, as a poll during any other round answers from that round. The caller
    /// holds no lock.
    /// </summary>
    private async ValueTask CommitEmptyRounds(RunSession run, List<RoundEvent> events, bool synchronous, CancellationToken cancellationToken)
    {
        while (true)
        {
            lock (run.State)
            {
                if (run.OpenRound is not { Selected.Count: 0 })
                {
                    return;
                }
            }

            if (synchronous)
            {
                run.Writer.Wait(cancellationToken);
            }
            else
            {
                await run.Writer.WaitAsync(cancellationToken).ConfigureAwait(false);
            }

            try
            {
                RoundSession? closing = null;
                lock (run.State)
                {
                    if (run.OpenRound is { Closing: false, Selected.Count: 0 } open)
                    {
                        open.Closing = true;
                        closing = open;
                    }
                }

                if (closing is null)
                {
                    return;
                }

                Commit(run, closing, events);
            }
            finally
            {
                run.Writer.Release();
            }
        }
    }

    /// <summary>Starts a round if the run can; the caller holds the run's state lock.</summary>
    private void StartRoundIfPossible(RunSession run, List<RoundEvent> events)
    {
        if (run.Status != RunStatus.Running || run.OpenRound is not null || run.Version >= run.TargetVersion)
        {
            return;
        }

        if (run.PrivacyBudgetEnd is { } budgetEnd)
        {
            // A commit ends the run itself when its ledger leaves no room; this catches a run resumed at such a version.
            ChangeRunState(run, RunStatus.Completed, budgetEnd, run.LastRound, events);
            run.Signal();
            return;
        }

        var eligible = new List<string>();
        foreach (var nodeId in run.Ready.Order(StringComparer.Ordinal))
        {
            if (_presence.IsConnected(nodeId) && _store.FindNode(nodeId) is { Revoked: false })
            {
                eligible.Add(nodeId);
            }
        }

        var round = run.LastRound + 1;
        if (run.Pipeline.Sampler.Sample(eligible, round) is not { } selected)
        {
            return;
        }

        // A Poisson sample may draw nobody: that round's deadline is now, and it commits (noise only) at the next poll or tick.
        var now = _time.GetUtcNow();
        var open = NewRound(run, round, selected, now, selected.Count == 0 ? now : now + DeadlineOf(run.Config));
        _store.SaveRound(open.ToStored(run.Id, RoundState.Open));
        run.LastRound = round;
        run.OpenRound = open;
        RoundsLog.RoundStarted(_logger, run.Id, round, run.Version, selected.Count, open.Deadline);
        events.Add(Event(RoundEventKind.RoundStarted, run, round, "", "selected " + string.Join(", ", selected)));
        if (run.Config.SecureAggregation is { } secure && !BeginSecureRound(run, open, secure, events))
        {
            return;
        }

        run.Signal();
    }

    private static AssignmentPoll AssignmentFor(RunSession run, string nodeId)
    {
        if (run.OpenRound is { Closing: false } open && open.Holds(nodeId) && !open.Accepted.ContainsKey(nodeId) && run.IsActive)
        {
            if (open.Secure is not { } secure)
            {
                return new AssignmentPoll(new Assignment(run.Id, open.Round, open.BaseVersion, open.Deadline, run.NodeTraining) { LabelStatisticsTasks = open.LabelStatistics?.TaskNames }, run.Status);
            }

            // A secure round is offered until the node advertised its keys; from then on it follows the phases.
            var party = secure.PartyOf(nodeId)!.Value;
            if (secure.Server.Phase == SecureAggregation.Protocol.SecAggServerPhase.AdvertiseKeys && !secure.HasSent(party, SecureAggregation.Protocol.SecAggServerPhase.AdvertiseKeys))
            {
                return new AssignmentPoll(new Assignment(run.Id, open.Round, open.BaseVersion, open.Deadline, run.NodeTraining) { SecureAggregation = secure.AssignmentFor(party) }, run.Status);
            }
        }

        return new AssignmentPoll(null, run.Status);
    }

    /// <summary>
    /// Records a call of the node for the run, in memory and in the store. A poll makes the node selectable; a join
    /// makes it a member that is selectable from its first poll.
    /// </summary>
    private void MarkSeen(string nodeId, RunSession run, bool polled)
    {
        var seen = _presence.MarkSeen(nodeId, run.Id);
        lock (run.State)
        {
            run.Joined.Add(nodeId);
            if (polled)
            {
                run.Ready.Add(nodeId);
            }
            else
            {
                run.Ready.Remove(nodeId);
            }
        }

        if (_presence.ShouldStore(nodeId, run.Id, seen))
        {
            _store.SaveNodeSeen(nodeId, run.Id, seen);
        }
    }

    /// <summary>Refuses a node that has not joined <paramref name="run"/> (<see cref="Rejection.NotJoined"/>).</summary>
    private static void RequireMember(string nodeId, RunSession run)
    {
        lock (run.State)
        {
            if (!run.IsMember(nodeId))
            {
                throw new RejectionException(Rejection.NotJoined, $"node '{nodeId}' has not joined run {run.Id}: join it (Join or WaitForAssignment) first");
            }
        }
    }

    private void RequireNode(string nodeId)
    {
        var node = _store.FindNode(nodeId ?? "") ?? throw new RejectionException(Rejection.UnknownNode, $"no node '{nodeId}' is enrolled");
        if (node.Revoked)
        {
            throw new RejectionException(Rejection.NodeRevoked, $"the token of node '{nodeId}' was revoked");
        }
    }

    private RunSession RequireSingleActiveRun()
    {
        var active = new List<RunSession>();
        foreach (var run in AllRuns())
        {
            lock (run.State)
            {
                if (run.IsActive)
                {
                    active.Add(run);
                }
            }
        }

        return active.Count switch
        {
            0 => throw new RejectionException(Rejection.UnknownRun, "no run is active; an operator must start one"),
            1 => active[0],
            _ => throw new RejectionException(Rejection.UnknownRun, $"{active.Count} runs are active ({string.Join(", ", active.Select(r => r.Id))}); name one"),
        };
    }
}
