namespace Federated.Coordinator.Runs;

/// <summary>
/// The run config's <c>privacy</c> section: DP-FedAvg (McMahan et al., ICLR 2018) at the coordinator, with a fixed or an
/// adaptive clip norm. The privacy unit is the client of a round (one node). Checked by <see cref="RunConfig.Validate"/>
/// and turned into numbers by <see cref="Aggregation.Privacy.PrivacyPlan.From"/>.
/// </summary>
/// <remarks>
/// Exactly one of <see cref="NoiseMultiplier"/> and <see cref="TargetEpsilon"/>; exactly one of <see cref="ClipNorm"/> and
/// <see cref="Adaptive"/>. <see cref="SampleRate"/> and <see cref="Delta"/> are required.
/// </remarks>
public sealed record PrivacySettings
{
    /// <summary>z &gt; 0: the noise's standard deviation over the clip norm, as the accountant is told. Or <see cref="TargetEpsilon"/>.</summary>
    public double? NoiseMultiplier { get; set; }

    /// <summary>
    /// ε &gt; 0 the run must stay within: z is calibrated so that <see cref="CalibrationRounds"/> rounds spend at most
    /// this, and the run ends (completed) before a round would spend more. Or <see cref="NoiseMultiplier"/>.
    /// </summary>
    public double? TargetEpsilon { get; set; }

    /// <summary>
    /// The number of rounds z is calibrated for with <see cref="TargetEpsilon"/> (≥ 1; default the run's <c>rounds</c>).
    /// Fewer than <c>rounds</c> means less noise per round and a run that ends when the budget does, after about this
    /// many rounds; only with <see cref="TargetEpsilon"/>.
    /// </summary>
    public int? CalibrationRounds { get; set; }

    /// <summary>δ ∈ (0, 1). Required.</summary>
    public double? Delta { get; set; }

    /// <summary>A fixed clip norm S &gt; 0 of the whole update. Or <see cref="Adaptive"/>.</summary>
    public double? ClipNorm { get; set; }

    /// <summary>Adaptive clipping. Or <see cref="ClipNorm"/>.</summary>
    public AdaptiveClippingSettings? Adaptive { get; set; }

    /// <summary>q ∈ (0, 1], the probability that a node takes part in a round, as the accountant is told. Required.</summary>
    public double? SampleRate { get; set; }

    /// <summary>
    /// qN &gt; 0, the expected number of clients per round: the fixed denominator of the noised mean. Default the run's
    /// <c>nodesPerRound</c>; required without it.
    /// </summary>
    public double? ExpectedClients { get; set; }

    /// <summary>
    /// Runs of this coordinator that trained on the same clients' data before this one (e.g. the run whose exported version
    /// this one starts from): their spending is composed into this run's accountant before its first round, so the ε this
    /// run reports — and its target — covers them too. Each must be private and ended (completed, stopped or failed), at
    /// most 16, no repeats. Optional.
    /// </summary>
    public IReadOnlyList<string>? ComposeWith { get; set; }
}
