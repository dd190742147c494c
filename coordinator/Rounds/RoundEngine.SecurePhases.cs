using System.Security.Cryptography;
using Federated.Coordinator.Runs;
using Federated.Model.Updates;
using Federated.SecureAggregation;
using Federated.SecureAggregation.Crypto;
using Federated.SecureAggregation.Protocol;
using Federated.SecureAggregation.Protocol.Messages;
using Federated.SecureAggregation.Quantization;

namespace Federated.Coordinator.Rounds;

/// <summary>
/// The life of a secure round inside the engine: its setup when it opens, the closing of each phase (when complete or at
/// its deadline), the unmasked sum turned into the round's aggregate, and its failure.
/// </summary>
public sealed partial class RoundEngine
{
    /// <summary>
    /// Sets up the secure side of a round that just opened, or fails it when its selection cannot run the protocol. The
    /// caller holds the state lock; returns false when the round failed.
    /// </summary>
    private bool BeginSecureRound(RunSession run, RoundSession open, SecureAggregationSettings settings, List<RoundEvent> events)
    {
        var n = open.Selected.Count;
        if (n == 0 && run.Pipeline.Privacy is not null)
        {
            // A private round whose Poisson sample drew nobody has no update to hide: it commits the noise alone, as a plain private round does.
            return true;
        }

        var neighbours = settings.Neighbours > 0 && settings.Neighbours < n - 1 ? settings.Neighbours : 0;
        var neighbourhood = neighbours == 0 ? n : neighbours + 1;
        var threshold = settings.ThresholdFor(neighbourhood);
        string? problem = n switch
        {
            < 2 => $"secure aggregation needs at least 2 nodes, and {n} were selected",
            > SecureAggregationSettings.MaxParties => $"secure aggregation takes at most {SecureAggregationSettings.MaxParties} nodes a round, and {n} were selected",
            _ when threshold > neighbourhood => $"the threshold {threshold} exceeds the {neighbourhood} parties of a neighbourhood",
            _ => null,
        };

        if (problem is null)
        {
            var codec = new WeightedUpdateVector(run.Model);
            var graphSeed = neighbours > 0 ? RandomNumberGenerator.GetBytes(SeedDerivation.SeedLength) : null;
            var setup = new SecAggRoundSetup(new SecAggContext(run.Id, open.Round), [.. Enumerable.Range(1, n)], threshold, codec.Length, neighbours, graphSeed);
            var inputNorm = codec.NormBound(run.NodeTraining.ClipNorm);
            try
            {
                // The ring must hold n inputs of that norm: checked now, not when the first input arrives.
                _ = new FixedPointQuantizer(inputNorm, n);
                open.Secure = new SecureRoundSession(setup, open.Selected, codec, inputNorm, settings.EffectiveMaxWeight(run.Config), TimeSpan.FromSeconds(settings.PhaseTimeoutSeconds));
            }
            catch (ArgumentException e)
            {
                problem = e.Message;
            }
        }

        if (problem is not null)
        {
            FailSecureRound(run, open, problem, events);
            return false;
        }

        SecureRoundsLog.Started(_logger, run.Id, open.Round, n, threshold, neighbours, open.Secure!.Setup.VectorLength);
        return true;
    }

    /// <summary>
    /// Closes the current phase, and the next ones while they have nobody left to wait for; returns the round when its
    /// sum was unmasked and it must be committed (marked closing). The caller holds the writer and state locks.
    /// </summary>
    private RoundSession? CloseSecurePhases(RunSession run, RoundSession open, List<RoundEvent> events)
    {
        var secure = open.Secure!;
        while (true)
        {
            var server = secure.Server;
            var phase = server.Phase;
            SecureRoundsLog.PhaseClosed(_logger, run.Id, open.Round, phase.ToString(), secure.Answered.Count, secure.Expected.Count);
            foreach (var missing in secure.Expected.Where(p => !secure.Answered.Contains(p)))
            {
                // As after a missed deadline: not selected again until it polls.
                if (run.Ready.Remove(secure.NodeOf(missing)))
                {
                    RoundsLog.NodeMissedDeadline(_logger, run.Id, open.Round, secure.NodeOf(missing));
                }
            }

            try
            {
                switch (phase)
                {
                    case SecAggServerPhase.AdvertiseKeys:
                        server.CloseKeyAdvertisement();
                        break;
                    case SecAggServerPhase.ShareKeys:
                        server.CloseShareKeys();
                        break;
                    case SecAggServerPhase.MaskedInput:
                        server.CloseMaskedInput();
                        break;
                    case SecAggServerPhase.Unmasking:
                        return FinishSecureRound(run, open, server.Finish(), events);
                    case SecAggServerPhase.Finished:
                        // A commit that failed to store is tried again.
                        open.Closing = true;
                        return open;
                    default:
                        FailSecureRound(run, open, "the secure aggregation was aborted", events);
                        return null;
                }
            }
            catch (SecureAggregationException e)
            {
                // Too few parties left (aborted), or a reconstructed key that does not match its advertisement.
                FailSecureRound(run, open, e.Message, events);
                return null;
            }

            secure.NextPhase(server.Remaining.Where(p => !open.Released.Contains(secure.NodeOf(p))));
            open.Deadline = _time.GetUtcNow() + secure.PhaseTimeout;
            run.Signal();
            if (!secure.PhaseComplete)
            {
                return null;
            }
        }
    }

    /// <summary>
    /// Turns the unmasked sum into the round's aggregate input: the weighted mean, fed to the strategy as one update of unit
    /// weight; in a private run the undivided sum of unit-weight updates, which DP-FedAvg noises and divides by qN.
    /// </summary>
    private RoundSession? FinishSecureRound(RunSession run, RoundSession open, SecAggResult result, List<RoundEvent> events)
    {
        var secure = open.Secure!;
        var contributors = result.Contributors.Select(secure.NodeOf).ToList();
        if (contributors.Count < run.Config.EffectiveQuorum)
        {
            FailSecureRound(run, open, $"{contributors.Count} updates were unmasked, fewer than the quorum {run.Config.EffectiveQuorum}", events);
            return null;
        }

        var sum = new float[result.Sum.Length];
        new FixedPointQuantizer(secure.InputNorm, secure.Setup.Parties.Count).Dequantize(result.Sum, sum);
        if (run.Pipeline.Privacy is not null)
        {
            // DP-FedAvg needs the sum of the clipped updates at unit weight (W = 1), not their mean: its step adds the noise
            // and divides by qN at the commit, exactly as for a plain private round.
            open.Aggregation.AddPrivateSum(secure.Codec.DecodeSum(sum), contributors.Count);
        }
        else
        {
            AddSecureMean(run.Id, open, secure, sum);
        }

        foreach (var nodeId in contributors)
        {
            open.Accepted[nodeId] = "secure-aggregation";
        }

        _secureEnds[run.Id] = new SecureRoundEnd(open.Round, [.. contributors], $"round {open.Round} went on without this node");
        SecureRoundsLog.Unmasked(_logger, run.Id, open.Round, contributors.Count);
        events.Add(Event(RoundEventKind.UpdateAccepted, run, open.Round, "", $"secure aggregation: the sum of {contributors.Count} of {open.Selected.Count} updates"));
        open.Closing = true;
        return open;
    }

    /// <summary>Adds a plain secure round's weighted mean to its aggregation as one update of unit weight.</summary>
    private static void AddSecureMean(string runId, RoundSession open, SecureRoundSession secure, float[] sum)
    {
        var (mean, weights) = secure.Codec.DecodeMean(sum, secure.MaxWeight);
        var taskWeights = new Dictionary<string, long>(StringComparer.Ordinal);
        for (var g = 1; g < secure.Codec.Groups.Count; g++)
        {
            taskWeights[secure.Codec.Groups[g]!] = weights[g] > 0 ? 1 : 0;
        }

        // The mean already carries the nodes' weights: it counts as one update, and a group without weight leaves its tensors as they were.
        open.Aggregation.Add(new NodeUpdate
        {
            RunId = runId,
            Round = open.Round,
            BaseVersion = open.BaseVersion,
            NodeId = "",
            UploadId = "secure-aggregation",
            Examples = weights[0] > 0 ? 1 : 0,
            TaskExamples = taskWeights,
            Delta = mean,
        });
    }

    /// <summary>Fails the open secure round like a missed quorum (the run's retry policy applies); the caller holds the writer and state locks.</summary>
    private void FailSecureRound(RunSession run, RoundSession open, string reason, List<RoundEvent> events)
    {
        SecureRoundsLog.Failed(_logger, run.Id, open.Round, reason);
        _secureEnds[run.Id] = new SecureRoundEnd(open.Round, [], $"round {open.Round} failed: {reason}");
        if (run.Pipeline.Privacy is { } dp)
        {
            // The round released nothing, but its sample was drawn and its nodes trained: counting it as a step of the
            // accountant is conservative (stored with the next version's ledger). The attempt is then redrawn.
            run.SetPrivacy(dp.CountFailedAttempt());
        }

        FailRound(run, events, "secure aggregation: " + reason);
    }

    /// <summary>
    /// A node of a secure round left or was revoked: the current phase no longer waits for it (a message it sent still
    /// counts). Returns the round when that completed it. The caller holds the writer and state locks.
    /// </summary>
    private RoundSession? ReleaseSecureParty(RunSession run, RoundSession open, string nodeId, List<RoundEvent> events)
    {
        var secure = open.Secure!;
        secure.Release(secure.PartyOf(nodeId)!.Value);
        return secure.PhaseComplete ? CloseSecurePhases(run, open, events) : null;
    }
}
