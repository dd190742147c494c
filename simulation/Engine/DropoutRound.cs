using System.Buffers.Binary;
using Federated.Client.Federation;
using Federated.Client.Training;
using Federated.SecureAggregation;
using Federated.SecureAggregation.Protocol;

namespace Federated.Simulation.Engine;

/// <summary>
/// Plays one round whose clients may vanish (<see cref="SimulationOptions.Dropout"/>) or that runs secure aggregation
/// (<see cref="SimulationOptions.SecureAggregation"/>), after its selected clients trained: the survivors send, in
/// client order and phase by phase, and each deadline the vanished clients leave open is let pass at once
/// (<see cref="IFederationHost.ExpireDeadlineAsync"/>).
/// </summary>
/// <remarks>
/// <para>
/// Who vanishes is drawn from the seed and the round: round(F·n) of the n selected clients, each at a point of the round
/// drawn the same way: 0, before advertising keys; 1, after advertising; 2, after sharing its keys; 3, after sending its
/// (masked) update. A plain round has only the last message: a client that vanishes at 0–2 never sends, one that
/// vanishes at 3 has sent. With and without secure aggregation the same clients contribute, so the two runs compare. Each client's secrets come from a seeded
/// <see cref="RandomSource"/> keyed by the seed, the round and the client, so a run repeats; the unmasked sum does not
/// depend on them anyway (the masks cancel exactly in Z_2^32).
/// </para>
/// <para>
/// Every phase is driven in lock step: all survivors answer it before the next is asked for, so the outcome does not
/// depend on thread timing.
/// </para>
/// </remarks>
internal static class DropoutRound
{
    /// <summary>A client that never vanishes answers every phase, this one included.</summary>
    private const int Never = 4;

    /// <summary>The phase whose message is the update itself: a client that vanishes at a later point has sent it.</summary>
    private const int UpdateSent = 3;

    /// <summary>Sends the round's updates; true when the round committed a version, false when it failed (the engine retries it).</summary>
    /// <param name="host">The federation.</param>
    /// <param name="steps">Every client's round step.</param>
    /// <param name="selected">The round's selected clients and their assignments, in client order.</param>
    /// <param name="updates">Their trained updates, in the same order.</param>
    /// <param name="options">The simulation's options.</param>
    /// <param name="retry">How calls are retried.</param>
    /// <param name="baseVersion">The version the round trained from.</param>
    /// <param name="cancellationToken">Cancels the round.</param>
    public static async Task<bool> PlayAsync(
        IFederationHost host,
        NodeRoundStep[] steps,
        IReadOnlyList<(int Client, TrainingAssignment Assignment)> selected,
        IReadOnlyList<LocalUpdate> updates,
        SimulationOptions options,
        CoordinatorRetry retry,
        long baseVersion,
        CancellationToken cancellationToken)
    {
        var round = selected[0].Assignment.Round;
        var vanishAt = DrawDropouts(options, round, selected.Count);
        if (options.SecureAggregation is null)
        {
            for (var k = 0; k < selected.Count; k++)
            {
                if (vanishAt[k] >= UpdateSent)
                {
                    var submission = await steps[selected[k].Client].SubmitAsync(updates[k], cancellationToken).ConfigureAwait(false);
                    if (submission.Rejection is { } refused)
                    {
                        throw new InvalidOperationException($"round {round}: the coordinator refused an update ({refused.Reason}): {refused.Message}", refused);
                    }
                }
            }

            if (vanishAt.Any(v => v < UpdateSent))
            {
                await host.ExpireDeadlineAsync(cancellationToken).ConfigureAwait(false);
            }

            return host.ModelVersion() > baseVersion;
        }

        var parties = new SecureAggregationParty?[selected.Count];
        try
        {
            for (var k = 0; k < selected.Count; k++)
            {
                var (client, assignment) = selected[k];
                var secure = assignment.SecureAggregation ?? throw new InvalidOperationException($"round {round}: the assignment of a secure run carries no secure-aggregation setup");
                var step = steps[client];
                parties[k] = new SecureAggregationParty(host.Connection(client), retry, step.Join.RunId, secure, updates[k], step.Join.Model, RandomSource.FromSeed(SecretSeed(options.Seed, round, client)));
            }

            var active = new bool[selected.Count];
            for (var k = 0; k < selected.Count; k++)
            {
                active[k] = vanishAt[k] > 0;
                if (active[k])
                {
                    await parties[k]!.AdvertiseAsync(cancellationToken).ConfigureAwait(false);
                }
            }

            for (var phase = 1; phase <= Never; phase++)
            {
                if (!active.Contains(true))
                {
                    // Nobody is left in the round (it failed): there is no deadline of it to wait for.
                    break;
                }

                // The previous phase waits for clients that vanished at it: its deadline passes.
                if (vanishAt.Contains(phase - 1))
                {
                    await host.ExpireDeadlineAsync(cancellationToken).ConfigureAwait(false);
                }

                if (phase == Never)
                {
                    break;
                }

                for (var k = 0; k < selected.Count; k++)
                {
                    if (active[k] && vanishAt[k] > phase)
                    {
                        // Anything but an answered phase (Failed: the round aborted, or went on without this client) ends its part.
                        var kind = await parties[k]!.StepAsync(TimeSpan.Zero, cancellationToken).ConfigureAwait(false);
                        active[k] = kind is SecAggPhaseKind.KeyDirectory or SecAggPhaseKind.ShareInbox or SecAggPhaseKind.UnmaskRequest;
                    }
                    else
                    {
                        active[k] = false;
                    }
                }
            }
        }
        finally
        {
            foreach (var party in parties)
            {
                party?.Dispose();
            }
        }

        return host.ModelVersion() > baseVersion;
    }

    /// <summary>For each selected client, the phase it vanishes at (0 – 3; without secure aggregation 0), or <see cref="Never"/>.</summary>
    private static int[] DrawDropouts(SimulationOptions options, long round, int count)
    {
        var vanishAt = Enumerable.Repeat(Never, count).ToArray();
        var dropping = (int)Math.Round(options.Dropout * count, MidpointRounding.AwayFromZero);
        if (dropping == 0)
        {
            return vanishAt;
        }

        // Who and when is a simulation's choice, not a secret: System.Random keyed by the seed and the round.
        var random = new Random(unchecked((options.Seed * 1_000_003) + ((int)round * 7_919) + 17));
        var order = Enumerable.Range(0, count).ToArray();
        random.Shuffle(order);
        foreach (var k in order.Take(dropping))
        {
            vanishAt[k] = random.Next(Never);
        }

        return vanishAt;
    }

    /// <summary>32 bytes keyed by the seed, the round and the client: the seed of that client's secrets in that round.</summary>
    private static byte[] SecretSeed(int seed, long round, int client)
    {
        var bytes = new byte[32];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, seed);
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(4), round);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(12), client);
        "sim-secagg"u8.CopyTo(bytes.AsSpan(16));
        return bytes;
    }
}
