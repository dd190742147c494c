using Federated.Coordinator.Aggregation;
using Federated.Coordinator.Aggregation.Privacy;
using Federated.Model.Metrics;
using Federated.Model.Parameters;

namespace Federated.Coordinator.Rounds;

/// <summary>The update side of the engine: updates, evaluations, deadlines, commits and failed rounds.</summary>
public sealed partial class RoundEngine
{
    /// <summary>
    /// Validates an update completely and folds it into its round's aggregate; closes the round when every selected
    /// node has answered. A retried upload (same node, round and upload id) is recognised and not counted again.
    /// </summary>
    /// <param name="authenticatedNodeId">The node the caller authenticated as, or null when the caller is trusted (in-memory use).</param>
    /// <param name="update">The update.</param>
    /// <exception cref="RejectionException">The update was rejected; nothing changed.</exception>
    public SubmitOutcome SubmitUpdate(string? authenticatedNodeId, NodeUpdate update)
    {
        ArgumentNullException.ThrowIfNull(update);
        var events = new List<RoundEvent>();
        RoundTracing.Step? step = null;
        try
        {
            RequireNode(update.NodeId);
            var run = RequireRun(update.RunId);
            run.Writer.Wait();
            try
            {
                ValidatedUpdate validated;
                NodeUpdate prepared;
                lock (run.State)
                {
                    step = RoundTracing.StartUpdate(run.OpenRound, update.NodeId, update.Round);
                    RejectPlainUpdateOfSecureRun(run);
                    validated = UpdateValidator.Validate(run, update, authenticatedNodeId, _store);
                    if (validated.DuplicateOutcome is { } duplicate)
                    {
                        return duplicate;
                    }

                    prepared = run.OpenRound!.Aggregation.Prepare(validated.Update!);
                }

                // Recorded before it counts, outside the state lock: only this writer can change the round meanwhile.
                _store.InsertUpload(run.Id, update.Round, update.NodeId, update.UploadId, update.Examples, _time.GetUtcNow());
                SubmitOutcome outcome;
                RoundSession? closing = null;
                DateTimeOffset seen;
                lock (run.State)
                {
                    (outcome, seen) = Accept(run, update, prepared, validated, events);
                    if (run.OpenRound is { } open && open.Accepted.Count == open.Awaited)
                    {
                        closing = open;
                        open.Closing = true;
                    }
                }

                if (_presence.ShouldStore(update.NodeId, run.Id, seen))
                {
                    _store.SaveNodeSeen(update.NodeId, run.Id, seen);
                }

                // The update's activity ends where the update is counted; the commit it triggers is its own.
                step?.Dispose();
                step = null;
                if (closing is not null)
                {
                    Commit(run, closing, events);
                }

                return outcome;
            }
            finally
            {
                run.Writer.Release();
            }
        }
        catch (RejectionException e)
        {
            step?.Fail(e.Reason.ToString());
            events.Add(UpdateRejected(update, e));
            throw;
        }
        finally
        {
            step?.Dispose();
            Events.Publish(events);
        }
    }

    /// <summary>
    /// Decides from an update's header alone, before any tensor is received, whether the node may send it now: the
    /// identity, round, version, selection, retry, count and metric checks of <see cref="SubmitUpdate"/>, with the same
    /// rejections. Changes nothing and does no work in proportion to the model, so an upload adapter can ask it before
    /// allocating anything for the tensors. Reserves nothing either: the complete update is validated again when submitted.
    /// </summary>
    /// <param name="authenticatedNodeId">The node the caller authenticated as, or null when the caller is trusted.</param>
    /// <param name="header">The update's header.</param>
    /// <returns>Null when the tensors may follow; for a retry of an upload already counted, the outcome to answer at once.</returns>
    /// <exception cref="RejectionException">The update cannot count, whatever its tensors; nothing changed.</exception>
    public SubmitOutcome? AdmitUpload(string? authenticatedNodeId, NodeUpdateHeader header)
    {
        ArgumentNullException.ThrowIfNull(header);
        try
        {
            RequireNode(header.NodeId);
            var run = RequireRun(header.RunId);
            lock (run.State)
            {
                RejectPlainUpdateOfSecureRun(run);
                return UpdateValidator.Admit(run, header, authenticatedNodeId, _store);
            }
        }
        catch (RejectionException e)
        {
            Events.Publish([UpdateRejected(header, e)]);
            throw;
        }
    }

    /// <summary>
    /// Merges a node's evaluation of a committed version into that version's federated evaluation metrics; a node's
    /// second evaluation of the same version is recognised and ignored.
    /// </summary>
    /// <exception cref="RejectionException">
    /// Unknown or revoked node, unknown run, a node that has not joined the run (<see cref="Rejection.NotJoined"/>), a
    /// version that does not exist, or metrics that do not fit the model or cannot be merged.
    /// </exception>
    public SubmitOutcome SubmitEvaluation(string nodeId, string runId, long modelVersion, IReadOnlyList<TaskMetrics> metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        RequireNode(nodeId);
        var run = RequireRun(runId);
        RequireMember(nodeId, run);
        lock (run.State)
        {
            if (modelVersion < 0 || modelVersion > run.Version)
            {
                throw new RejectionException(Rejection.FutureBaseVersion, $"version {modelVersion} does not exist; the latest is {run.Version}");
            }
        }

        MetricsLedger.CheckShape(run.Config.Spec, metrics);
        var round = _store.RoundOfVersion(run.Id, modelVersion) ?? 0;
        lock (run.Evaluations)
        {
            var merged = MetricsLedger.MergeEvaluation(_store, run.Id, round, modelVersion, nodeId, metrics);
            return new SubmitOutcome(!merged, round, 0);
        }
    }

    /// <summary>
    /// Closes rounds whose deadline passed and starts rounds that can start. Call it periodically. A failure in one run
    /// (for example its storage) is logged and does not keep the other runs from being checked, and a run busy with a
    /// commit is skipped until the next call.
    /// </summary>
    public void Tick()
    {
        foreach (var run in AllRuns())
        {
            var events = new List<RoundEvent>();
            try
            {
                TickRun(run, events);
            }
#pragma warning disable CA1031 // One run's failure must not stop the deadlines of the others; it is logged and retried next tick.
            catch (Exception e)
#pragma warning restore CA1031
            {
                RoundsLog.TickFailed(_logger, run.Id, e);
            }
            finally
            {
                Events.Publish(events);
            }
        }
    }

    private void TickRun(RunSession run, List<RoundEvent> events)
    {
        // A run busy with a commit or an update is checked at the next tick; the others are not kept waiting for it.
        if (!run.Writer.Wait(0))
        {
            return;
        }

        try
        {
            RoundSession? closing = null;
            lock (run.State)
            {
                var now = _time.GetUtcNow();
                if (run.OpenRound is { Secure: not null } secureRound)
                {
                    if (!secureRound.Closing && now >= secureRound.Deadline)
                    {
                        closing = CloseSecurePhases(run, secureRound, events);
                    }
                }
                else if (run.OpenRound is { } open && now >= open.Deadline)
                {
                    ForgetMissing(run, open);
                    if (open.Accepted.Count >= run.Config.EffectiveQuorum)
                    {
                        closing = open;
                        open.Closing = true;
                    }
                    else
                    {
                        FailRound(run, events);
                    }
                }
                else
                {
                    StartRoundIfPossible(run, events);
                }
            }

            if (closing is not null)
            {
                Commit(run, closing, events);
            }
        }
        finally
        {
            run.Writer.Release();
        }
    }

    /// <summary>
    /// The selected nodes that did not send by the deadline are not selected again until they poll: a node that died
    /// after taking its assignment would otherwise fail every round it is drawn into. The caller holds the state lock.
    /// </summary>
    private void ForgetMissing(RunSession run, RoundSession open)
    {
        foreach (var nodeId in open.Selected)
        {
            if (!open.Accepted.ContainsKey(nodeId) && !open.Released.Contains(nodeId) && run.Ready.Remove(nodeId))
            {
                RoundsLog.NodeMissedDeadline(_logger, run.Id, open.Round, nodeId);
            }
        }
    }

    /// <summary>Counts and logs a refused update; returns its event, to be published outside the locks.</summary>
    private RoundEvent UpdateRejected(NodeUpdateHeader update, RejectionException e) => UpdateRejected(update.NodeId, update.RunId, update.Round, e);

    /// <summary>Counts and logs a refused submission of any kind (update, secure-aggregation message, label statistics); returns its event.</summary>
    private RoundEvent UpdateRejected(string nodeId, string runId, long round, RejectionException e)
    {
        _metrics?.UpdateRejected(e.Reason);
        RoundsLog.UpdateRejected(_logger, nodeId, runId, round, e.Reason, e.Message);
        return new RoundEvent(RoundEventKind.UpdateRejected, runId, round, -1, nodeId, $"{e.Reason}: {e.Message}", _time.GetUtcNow(), RunStatus.Running, e.Reason);
    }

    /// <summary>Counts a validated, prepared and recorded update; the caller holds the run's writer and state locks.</summary>
    /// <remarks>Nothing of the round changed before this: a refusal in validation or preparation left it as it was.</remarks>
    private (SubmitOutcome Outcome, DateTimeOffset Seen) Accept(RunSession run, NodeUpdate update, NodeUpdate prepared, ValidatedUpdate validated, List<RoundEvent> events)
    {
        var open = run.OpenRound!;
        open.Aggregation.Add(prepared);
        open.Accepted[update.NodeId] = update.UploadId;
        open.TrainingMetrics = validated.TrainingMetrics!;
        _metrics?.UpdateAccepted(update.Delta.ValueCount);
        RoundsLog.UpdateAccepted(_logger, run.Id, open.Round, update.NodeId, update.UploadId, update.Examples);
        var count = open.Accepted.Count;
        events.Add(Event(RoundEventKind.UpdateAccepted, run, open.Round, update.NodeId, $"{count} of {open.Awaited} updates"));
        var seen = _presence.MarkSeen(update.NodeId, run.Id);
        run.Joined.Add(update.NodeId);
        return (new SubmitOutcome(false, update.Round, count), seen);
    }

    /// <summary>
    /// Finishes and stores the closing round's version, then swaps it in. The caller holds the run's writer lock but not
    /// its state lock: aggregation and storage run while polls and reads of the run go on.
    /// </summary>
    private void Commit(RunSession run, RoundSession open, List<RoundEvent> events)
    {
        ParameterSet next;
        ParameterChanges changes;
        long version;
        RunStatus status;
        PrivacyLedger? ledger;
        string? budgetEnd;
        List<StoredMetric> metrics;
        DateTimeOffset now;
        using var step = RoundTracing.StartCommit(open);
        try
        {
            byte[]? strategyState;
            if (open.LabelStatistics is { } statistics)
            {
                // A label-statistics round aggregates no update: its version is the base with the shared output biases
                // set, and the strategy's state (of the version it started from) carries over unchanged.
                (next, changes) = FinishLabelStatistics(run, open, statistics);
                strategyState = _store.LoadStrategyState(run.Id, open.BaseVersion);
                ledger = null;
            }
            else
            {
                (next, changes) = FinishVersion(run, open);
                strategyState = open.Aggregation.SaveStrategyState();
                ledger = open.Aggregation.PrivacyLedgerAfter();
            }

            lock (run.State)
            {
                version = run.Version + 1;
                now = _time.GetUtcNow();

                // The run completes with its last configured round, or with the last round its privacy budget allows.
                budgetEnd = run.BudgetEndAfter(ledger);
                status = version >= run.TargetVersion || budgetEnd is not null ? RunStatus.Completed : run.Status;
                metrics = MetricsLedger.ForCommit(run.Id, open.Round, open.BaseVersion, open.TrainingMetrics);
            }

            // Stored before it is announced: a crash after this line resumes from the new version.
            _store.CommitRound(open.ToStored(run.Id, RoundState.Committed, now, version), version, next.Values, metrics, status, strategyState, changes);
        }
        catch (Exception e)
        {
            // A next version written in place and not committed is not the spare's version any more.
            run.Buffers.Discard();
            lock (run.State)
            {
                open.Closing = false;
            }

            RoundsLog.CommitFailed(_logger, run.Id, open.Round, e);
            step?.Fail(e.GetType().Name);
            throw;
        }

        lock (run.State)
        {
            // A completed run commits nothing more: it keeps no spare buffer.
            run.Buffers.Install(next, changes, keepSpare: open.Aggregation.CanFinishInPlace && status != RunStatus.Completed);
            run.Version = version;
            run.OpenRound = null;
            run.ConsecutiveFailures = 0;
            run.SetPrivacy(ledger);
            _metrics?.RoundCommitted(now - open.StartedAt);
            step?.Tag("federated.version", version);
            step?.Dispose();
            RoundTracing.EndRound(open.Trace, "committed", open.Accepted.Count, version);
            RoundsLog.RoundCommitted(_logger, run.Id, open.Round, version, open.Accepted.Count);
            events.Add(Event(RoundEventKind.RoundCommitted, run, open.Round, "", open.LabelStatistics is null
                ? $"version {version} from {open.Accepted.Count} updates"
                : $"version {version}: shared output biases from the label statistics of {open.Accepted.Count} nodes"));
            if (open.LabelStatistics is not null)
            {
                // Nothing was added to it, but the strategy may hold buffers for the round.
                open.Aggregation.Abandon();
            }

            if (status != run.Status)
            {
                ChangeRunState(run, status, version >= run.TargetVersion ? $"completed {version} rounds" : budgetEnd!, open.Round, events);
            }

            run.Signal();
            StartRoundIfPossible(run, events);
        }

        if (version > _keepLastVersions)
        {
            // Outside the state lock like the commit itself; the versions deleted are older than any round trains from.
            // The version is committed whatever happens here: a failed clean-up is logged and done after the next commit.
            try
            {
                _store.PruneVersions(run.Id, _keepLastVersions);
            }
#pragma warning disable CA1031 // Pruning is housekeeping; the caller's update was counted and its round committed.
            catch (Exception e)
#pragma warning restore CA1031
            {
                RoundsLog.PruneFailed(_logger, run.Id, e);
            }
        }
    }

    /// <summary>Ends the open round without a version; the caller holds the run's writer and state locks.</summary>
    /// <param name="run">The run.</param>
    /// <param name="events">Collects the events to publish.</param>
    /// <param name="cause">Why the quorum cannot be met before the deadline (a node left or was revoked); null at the deadline.</param>
    private void FailRound(RunSession run, List<RoundEvent> events, string? cause = null)
    {
        var open = run.OpenRound!;
        var now = _time.GetUtcNow();
        _store.SaveRound(open.ToStored(run.Id, RoundState.Failed, now));
        run.OpenRound = null;
        open.Aggregation.Abandon();
        run.ConsecutiveFailures++;
        _metrics?.RoundFailed();
        RoundTracing.EndRound(open.Trace, "failed", open.Accepted.Count);
        RoundsLog.RoundFailed(_logger, run.Id, open.Round, open.Accepted.Count, run.Config.EffectiveQuorum);
        events.Add(Event(RoundEventKind.RoundFailed, run, open.Round, "", cause is null
            ? $"{open.Accepted.Count} of {run.Config.EffectiveQuorum} updates by the deadline"
            : open.Secure is not null ? cause : $"at most {open.Awaited} of {run.Config.EffectiveQuorum} updates can arrive: {cause}"));
        if (run.Config.OnNoQuorum == Runs.NoQuorumPolicy.Fail || run.ConsecutiveFailures > run.Config.MaxRetries)
        {
            run.Status = RunStatus.Failed;
            run.Message = (open.Secure is not null && cause is not null ? $"round {open.Round} failed ({cause})" : $"round {open.Round} ended without quorum ({open.Accepted.Count} of {run.Config.EffectiveQuorum} updates)")
                + (run.Config.OnNoQuorum == Runs.NoQuorumPolicy.Retry ? $" after {run.Config.MaxRetries} retries" : "");
            RoundsLog.RunStateChanged(_logger, run.Id, run.Status, run.Message);
            events.Add(Event(RoundEventKind.RunStateChanged, run, open.Round, "", run.Message));
        }

        _store.UpdateRun(run.Id, run.Status, run.ConsecutiveFailures, run.Message);
        run.Signal();
        StartRoundIfPossible(run, events);
    }
}
