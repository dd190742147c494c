using System.Collections.Concurrent;
using Federated.Coordinator.Runs;
using Federated.Model.Updates;
using Federated.SecureAggregation;
using Federated.SecureAggregation.Protocol;
using Federated.SecureAggregation.Protocol.Messages;

namespace Federated.Coordinator.Rounds;

/// <summary>
/// Rounds with secure aggregation (Bonawitz et al., CCS 2017; Bell et al., CCS 2020): a round opens as any other, then
/// runs the protocol's four phases — key advertisement, key sharing, masked input, unmasking — with a
/// <see cref="SecAggServer"/>; the unmasked sum becomes FedAvg's weighted mean (<see cref="WeightedUpdateVector"/>) and
/// goes through the run's strategy and post-aggregation steps to a commit like any other round.
/// </summary>
/// <remarks>
/// <para>
/// A phase closes when every party it waits for answered, or at its deadline: the round's deadline for the first phase
/// (nodes advertise keys after local training), <see cref="SecureAggregationSettings.PhaseTimeoutSeconds"/> for the
/// others. Parties that miss a phase are out of the round. Fewer than t left (in some neighbourhood), or fewer than the
/// quorum contributing, fail the round as a missed quorum does, and the run's retry policy applies.
/// </para>
/// <para>
/// Every message is checked before it changes anything (run, round, selection, party, phase, then the library's own
/// checks of sizes, keys and owners); refusals are <see cref="Rejection.SecureAggregationRefused"/> or, for a message
/// of a phase that already closed, <see cref="Rejection.StaleRound"/>. A message a party already sent in its phase is a
/// duplicate and changes nothing, so nodes may retry.
/// </para>
/// </remarks>
public sealed partial class RoundEngine
{
    private readonly ConcurrentDictionary<string, SecureRoundEnd> _secureEnds = new(StringComparer.Ordinal);

    /// <summary>Phase 0: a party's public keys.</summary>
    /// <exception cref="RejectionException">The message was refused; nothing changed.</exception>
    public SubmitOutcome SubmitKeyAdvertisement(string? authenticatedNodeId, string nodeId, string runId, long round, KeyAdvertisement message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return SubmitSecure(authenticatedNodeId, nodeId, runId, round, message.Party, SecAggServerPhase.AdvertiseKeys, s => s.Server.ReceiveKeys(message));
    }

    /// <summary>Phase 1: a party's sealed share bundles.</summary>
    /// <exception cref="RejectionException">The message was refused; nothing changed.</exception>
    public SubmitOutcome SubmitSharedKeys(string? authenticatedNodeId, string nodeId, string runId, long round, SharedKeys message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return SubmitSecure(authenticatedNodeId, nodeId, runId, round, message.Party, SecAggServerPhase.ShareKeys, s => s.Server.ReceiveSharedKeys(message));
    }

    /// <summary>Phase 2: a party's masked input, added to the round's running sum at once and not kept.</summary>
    /// <exception cref="RejectionException">The message was refused; nothing changed.</exception>
    public SubmitOutcome SubmitMaskedInput(string? authenticatedNodeId, string nodeId, string runId, long round, MaskedInput message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return SubmitSecure(authenticatedNodeId, nodeId, runId, round, message.Party, SecAggServerPhase.MaskedInput, s => s.Server.ReceiveMaskedInput(message));
    }

    /// <summary>Phase 3: a party's shares for unmasking.</summary>
    /// <exception cref="RejectionException">The message was refused; nothing changed.</exception>
    public SubmitOutcome SubmitUnmaskResponse(string? authenticatedNodeId, string nodeId, string runId, long round, UnmaskResponse message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return SubmitSecure(authenticatedNodeId, nodeId, runId, round, message.Party, SecAggServerPhase.Unmasking, s => s.Server.ReceiveUnmaskResponse(message));
    }

    /// <summary>Answers at once what <paramref name="nodeId"/> must do next in secure round <paramref name="round"/>.</summary>
    /// <exception cref="RejectionException">Unknown node or run, a run without secure aggregation, or a node not selected for the round.</exception>
    public SecAggPhaseMessage PollSecureAggregation(string nodeId, string runId, long round) => SecurePoll(nodeId, runId, round).Message;

    /// <summary>Like <see cref="PollSecureAggregation"/>, but waits up to <paramref name="maxWait"/> for something other than <see cref="SecAggPhaseKind.Wait"/>.</summary>
    public async Task<SecAggPhaseMessage> WaitForSecureAggregationAsync(string nodeId, string runId, long round, TimeSpan maxWait, CancellationToken cancellationToken = default)
    {
        var until = _time.GetUtcNow() + maxWait;
        while (true)
        {
            // The change signal is read under the lock of the state it answers for: no phase change is missed.
            var (message, changed) = SecurePoll(nodeId, runId, round);
            var remaining = until - _time.GetUtcNow();
            if (message.Kind != SecAggPhaseKind.Wait || remaining <= TimeSpan.Zero)
            {
                return message;
            }

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var delay = Task.Delay(remaining, _time, timeout.Token);
            await Task.WhenAny(changed, delay).ConfigureAwait(false);
            await timeout.CancelAsync().ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    private (SecAggPhaseMessage Message, Task Changed) SecurePoll(string nodeId, string runId, long round)
    {
        RequireNode(nodeId);
        var run = RequireRun(runId);
        if (run.Config.SecureAggregation is null)
        {
            throw new RejectionException(Rejection.SecureAggregationMismatch, $"run {run.Id} does not use secure aggregation");
        }

        _presence.MarkSeen(nodeId, run.Id);
        lock (run.State)
        {
            return (SecurePhaseFor(run, nodeId, round), run.Changed);
        }
    }

    private SecAggPhaseMessage SecurePhaseFor(RunSession run, string nodeId, long round)
    {
        if (run.OpenRound is not { Secure: { } secure } open || open.Round != round)
        {
            if (_secureEnds.TryGetValue(run.Id, out var end) && end.Round == round)
            {
                return end.Contributors.Contains(nodeId) ? SecAggPhaseMessage.Finished : SecAggPhaseMessage.FailedBecause(end.Reason);
            }

            return round > run.LastRound
                ? throw new RejectionException(Rejection.FutureRound, $"round {round} of run {run.Id} has not started")
                : SecAggPhaseMessage.FailedBecause($"round {round} of run {run.Id} is over");
        }

        var party = secure.PartyOf(nodeId) ?? throw new RejectionException(Rejection.NotSelected, $"node '{nodeId}' was not selected for round {round}");
        if (open.Released.Contains(nodeId))
        {
            return SecAggPhaseMessage.FailedBecause($"node '{nodeId}' left round {round}");
        }

        var server = secure.Server;
        var phase = server.Phase;
        if (phase is SecAggServerPhase.Finished)
        {
            return server.Remaining.Contains(party) ? SecAggPhaseMessage.Finished : Missed(round, party);
        }

        if (phase is SecAggServerPhase.AdvertiseKeys)
        {
            return SecAggPhaseMessage.Waiting;
        }

        if (!secure.Expected.Contains(party))
        {
            return Missed(round, party);
        }

        if (secure.HasSent(party, phase))
        {
            return phase is SecAggServerPhase.Unmasking ? SecAggPhaseMessage.Finished : SecAggPhaseMessage.Waiting;
        }

        return phase switch
        {
            SecAggServerPhase.ShareKeys => new SecAggPhaseMessage(SecAggPhaseKind.KeyDirectory, Directory: server.DirectoryFor(party)),
            SecAggServerPhase.MaskedInput => new SecAggPhaseMessage(SecAggPhaseKind.ShareInbox, Inbox: server.InboxFor(party)),
            SecAggServerPhase.Unmasking => new SecAggPhaseMessage(SecAggPhaseKind.UnmaskRequest, Request: server.RequestFor(party)),
            _ => SecAggPhaseMessage.FailedBecause($"round {round}'s secure aggregation was aborted"),
        };

        static SecAggPhaseMessage Missed(long round, int party) =>
            SecAggPhaseMessage.FailedBecause($"party {party} missed a phase of round {round}'s secure aggregation; the round goes on without it");
    }

    private SubmitOutcome SubmitSecure(string? authenticatedNodeId, string nodeId, string runId, long round, int party, SecAggServerPhase phase, Action<SecureRoundSession> receive)
    {
        var events = new List<RoundEvent>();
        try
        {
            RequireNode(nodeId);
            if (authenticatedNodeId is not null && !string.Equals(authenticatedNodeId, nodeId, StringComparison.Ordinal))
            {
                throw new RejectionException(Rejection.NodeMismatch, $"the message names node '{nodeId}' but the caller is '{authenticatedNodeId}'");
            }

            var run = RequireRun(runId);
            run.Writer.Wait();
            try
            {
                RoundSession? closing = null;
                SubmitOutcome outcome;
                lock (run.State)
                {
                    var (open, secure, own, duplicate) = AdmitSecure(run, nodeId, round, party, phase);
                    if (duplicate)
                    {
                        // A retry of a message that arrived: nothing changes.
                        return new SubmitOutcome(true, round, secure.Answered.Count);
                    }

                    try
                    {
                        receive(secure);
                    }
                    catch (SecureAggregationException e)
                    {
                        throw new RejectionException(Rejection.SecureAggregationRefused, e.Message);
                    }

                    secure.MarkSent(own, phase);
                    outcome = new SubmitOutcome(false, round, secure.Answered.Count);
                    run.Joined.Add(nodeId);
                    _presence.MarkSeen(nodeId, run.Id);
                    if (secure.PhaseComplete)
                    {
                        closing = CloseSecurePhases(run, open, events);
                    }
                }

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
            events.Add(UpdateRejected(nodeId, runId, round, e));
            throw;
        }
        finally
        {
            Events.Publish(events);
        }
    }

    /// <summary>
    /// Decides from a masked input's header alone, before its values are received, whether the node may send it now (the
    /// checks of <see cref="SubmitMaskedInput"/> but the values'): an upload adapter asks it before allocating them.
    /// Changes nothing; the complete input is checked again when submitted.
    /// </summary>
    /// <returns>The round's vector length, and whether the party's masked input already arrived (a retry: nothing to keep).</returns>
    /// <exception cref="RejectionException">The input cannot count, whatever its values.</exception>
    public (int VectorLength, bool Duplicate) AdmitMaskedInput(string? authenticatedNodeId, string nodeId, string runId, long round, int party)
    {
        RequireNode(nodeId);
        if (authenticatedNodeId is not null && !string.Equals(authenticatedNodeId, nodeId, StringComparison.Ordinal))
        {
            throw new RejectionException(Rejection.NodeMismatch, $"the message names node '{nodeId}' but the caller is '{authenticatedNodeId}'");
        }

        var run = RequireRun(runId);
        lock (run.State)
        {
            var (_, secure, _, duplicate) = AdmitSecure(run, nodeId, round, party, SecAggServerPhase.MaskedInput);
            return (secure.Setup.VectorLength, duplicate);
        }
    }

    /// <summary>
    /// Checks a secure message's sender, round, party and phase; Duplicate when the party already sent its message of
    /// that phase. The caller holds the state lock.
    /// </summary>
    private static (RoundSession Open, SecureRoundSession Secure, int Party, bool Duplicate) AdmitSecure(RunSession run, string nodeId, long round, int party, SecAggServerPhase phase)
    {
        var (open, secure) = RequireSecureRound(run, nodeId, round);
        var own = secure.PartyOf(nodeId)!.Value;
        if (party != own)
        {
            throw new RejectionException(Rejection.SecureAggregationRefused, $"node '{nodeId}' is party {own} of round {round}, not party {party}");
        }

        if (secure.HasSent(own, phase))
        {
            return (open, secure, own, true);
        }

        var current = secure.Server.Phase;
        if (current != phase)
        {
            throw current > phase
                ? new RejectionException(Rejection.StaleRound, $"the {phase} phase of round {round} closed before party {own}'s message arrived; the round goes on without it")
                : new RejectionException(Rejection.SecureAggregationRefused, $"the {phase} phase of round {round} is not open; the round is at {current}");
        }

        if (!secure.Expected.Contains(own))
        {
            throw new RejectionException(Rejection.SecureAggregationRefused, $"party {own} has no part in the {phase} phase of round {round}: it missed an earlier phase or left");
        }

        return (open, secure, own, false);
    }

    /// <summary>The open secure round <paramref name="round"/> that <paramref name="nodeId"/> holds a slot in; the caller holds the state lock.</summary>
    private static (RoundSession Open, SecureRoundSession Secure) RequireSecureRound(RunSession run, string nodeId, long round)
    {
        if (run.Config.SecureAggregation is null)
        {
            throw new RejectionException(Rejection.SecureAggregationMismatch, $"run {run.Id} does not use secure aggregation: send a plain update");
        }

        if (!run.IsActive)
        {
            throw new RejectionException(Rejection.RunNotActive, $"run {run.Id} is {run.Status.ToString().ToLowerInvariant()}");
        }

        if (run.OpenRound is not { } open || open.Round != round || open.Closing)
        {
            throw round > run.LastRound
                ? new RejectionException(Rejection.FutureRound, $"round {round} of run {run.Id} has not started")
                : new RejectionException(Rejection.StaleRound, $"round {round} of run {run.Id} is closed");
        }

        if (!open.Holds(nodeId) || open.Secure is not { } secure)
        {
            throw new RejectionException(Rejection.NotSelected, $"node '{nodeId}' holds no slot in round {round}");
        }

        return (open, secure);
    }

    /// <summary>Refuses a plain update for a run with secure aggregation; the caller holds the state lock.</summary>
    private static void RejectPlainUpdateOfSecureRun(RunSession run)
    {
        if (run.Config.SecureAggregation is not null)
        {
            throw new RejectionException(Rejection.SecureAggregationMismatch, $"run {run.Id} uses secure aggregation: a node sends its update masked, through the secure-aggregation messages, never plain");
        }
    }

    /// <summary>How the last secure round of a run ended, for nodes that ask after it closed.</summary>
    private sealed record SecureRoundEnd(long Round, HashSet<string> Contributors, string Reason);
}
