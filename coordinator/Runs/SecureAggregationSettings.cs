using Federated.Coordinator.Aggregation.Robust;
using Federated.SecureAggregation.Sharing;

namespace Federated.Coordinator.Runs;

/// <summary>
/// The run config's <c>secureAggregation</c> section: every round of the run is aggregated with the secure-aggregation
/// protocol (Bonawitz et al., CCS 2017; the neighbour graph of Bell et al., CCS 2020), so the coordinator learns only the
/// sum of the round's clipped, weighted updates, never one node's. Checked by <see cref="Validate"/>.
/// </summary>
/// <remarks>
/// The coordinator sees no single update, so everything that needs one is refused: the robust rules, a server-side norm
/// bound, and a run without a node-side clip norm (<c>training.clipNorm</c> &gt; 0, or a private run's fixed
/// <c>privacy.clipNorm</c>). With <c>privacy</c> nodes clip to its S (<see cref="NodeClipNorm"/>) and send at unit weight
/// (<see cref="EffectiveMaxWeight"/>), and the coordinator noises the unmasked sum as DP-FedAvg does; adaptive clipping is
/// refused. A server optimiser (FedAdam, …) works on the unmasked mean and combines.
/// </remarks>
public sealed record SecureAggregationSettings
{
    /// <summary>The most parties a round can have: party ids are Shamir evaluation points in GF(2^8), 1–255.</summary>
    public const int MaxParties = ShamirSecretSharing.MaxIndex;

    /// <summary>
    /// t ≥ 2: the shares needed to unmask, and the fewest parties (of each neighbourhood) that must remain at every phase;
    /// up to t − 1 nodes colluding with the coordinator learn nothing beyond the sum. Default (null): ⌈2/3⌉ of the round's
    /// neighbourhood (the selected count, or k + 1), at least 2. A round whose neighbourhood is smaller than t fails at its
    /// start, like a missed quorum.
    /// </summary>
    public int? Threshold { get; set; }

    /// <summary>k: 0 (default) for the complete graph (every pair masks), or an even k ≥ 2: each node masks and shares with k neighbours only (SecAgg+), so its cost grows with k, not n. A round of n ≤ k + 1 nodes uses the complete graph.</summary>
    public int Neighbours { get; set; }

    /// <summary>W ≥ 1: the example count at which a node's weight is capped: a = min(w, W) / W. Default 100000.</summary>
    public long MaxWeight { get; set; } = 100_000;

    /// <summary>
    /// Seconds, &gt; 0, that the key-sharing, the masked-input and the unmasking phase each wait for their messages. Default 60.
    /// The first phase (key advertisement, sent after local training) waits until the round's deadline instead. A phase
    /// closes as soon as every expected message is in.
    /// </summary>
    public double PhaseTimeoutSeconds { get; set; } = 60;

    /// <summary>Checks the section and its combination with the rest of <paramref name="config"/>.</summary>
    /// <exception cref="RunConfigException">The first problem, naming its key.</exception>
    public void Validate(RunConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        const string Key = "secureAggregation";
        if (Threshold is { } t && (t < 2 || t > MaxParties))
        {
            throw new RunConfigException(Key + ".threshold", $"must be in [2, {MaxParties}], not {t}");
        }

        if (Neighbours < 0 || Neighbours % 2 != 0 || Neighbours >= MaxParties)
        {
            throw new RunConfigException(Key + ".neighbours", $"must be 0 (complete graph) or even and in [2, {MaxParties - 1}], not {Neighbours}");
        }

        if (Neighbours > 0 && Threshold is { } tk && tk > Neighbours + 1)
        {
            throw new RunConfigException(Key + ".threshold", $"must be ≤ neighbours + 1 = {Neighbours + 1} (a neighbourhood's size), not {tk}");
        }

        if (MaxWeight < 1)
        {
            throw new RunConfigException(Key + ".maxWeight", $"must be ≥ 1, not {MaxWeight}");
        }

        if (!double.IsFinite(PhaseTimeoutSeconds) || PhaseTimeoutSeconds <= 0)
        {
            throw new RunConfigException(Key + ".phaseTimeoutSeconds", $"must be a finite number > 0, not {PhaseTimeoutSeconds}");
        }

        if (RobustStrategies.IsRobust(config.Strategy?.Name))
        {
            throw new RunConfigException("strategy.name", $"'{config.Strategy!.Name}' needs every update on its own, but with secureAggregation the coordinator sees only their sum; use fedavg or a server optimiser");
        }

        if (config.Strategy?.Parameters?.ContainsKey(NormBound.MultipleKey) == true)
        {
            throw new RunConfigException("strategy.parameters." + NormBound.MultipleKey, "a server-side norm bound needs every update on its own, but with secureAggregation the coordinator sees only their sum; nodes clip to training.clipNorm instead");
        }

        if (config.Privacy is { } privacy)
        {
            if (privacy.Adaptive is not null)
            {
                throw new RunConfigException("privacy.adaptive", "cannot be combined with secureAggregation: adaptive clipping counts which updates were clipped, one by one, and the coordinator sees only their sum; set privacy.clipNorm instead");
            }
        }
        else if (config.Training is { ClipNorm: <= 0 })
        {
            throw new RunConfigException("training.clipNorm", "must be > 0 with secureAggregation: the coordinator cannot check an update's norm, so nodes must clip it, and the fixed-point ring is sized by it");
        }

        if (config.NodesPerRound is > MaxParties)
        {
            throw new RunConfigException("nodesPerRound", $"must be ≤ {MaxParties} with secureAggregation (party ids are 1–{MaxParties}), not {config.NodesPerRound}");
        }

        if (config.MinClients < 2)
        {
            throw new RunConfigException("minClients", $"must be ≥ 2 with secureAggregation (a sum of one update is that update), not {config.MinClients}");
        }

        if (Threshold is { } tm && tm > config.MinClients)
        {
            throw new RunConfigException(Key + ".threshold", $"must be ≤ minClients = {config.MinClients}: a round may start with that many nodes, not {tm}");
        }
    }

    /// <summary>
    /// The L2 norm every node clips its update to: <c>training.clipNorm</c>; with <c>privacy</c>, its clip S whenever
    /// <c>training.clipNorm</c> is 0 or larger (the noise z·S is only right if no update exceeds S, and the coordinator
    /// cannot check that: nodes are trusted to clip, the semi-honest model).
    /// </summary>
    public static double NodeClipNorm(RunConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var clip = config.Training.ClipNorm;
        return config.Privacy?.ClipNorm is { } privacyClip && (clip <= 0 || clip > privacyClip) ? privacyClip : clip;
    }

    /// <summary>
    /// W as the nodes encode with: <see cref="MaxWeight"/>, or 1 in a private run, so that every node weighs exactly 1 in
    /// the sum (a = min(w, 1) / 1 = 1 for any node with an example), as DP-FedAvg weighs every client.
    /// </summary>
    public long EffectiveMaxWeight(RunConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return config.Privacy is null ? MaxWeight : 1;
    }

    /// <summary>The threshold of a round whose neighbourhood (selected count, or k + 1) has <paramref name="neighbourhood"/> parties.</summary>
    public int ThresholdFor(int neighbourhood) => Threshold ?? Math.Max(2, (int)Math.Ceiling(2.0 * neighbourhood / 3));
}
