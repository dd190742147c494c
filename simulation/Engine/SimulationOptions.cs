using System.Globalization;
using Federated.Client.Federation;
using Federated.Client.Training;
using Federated.Coordinator.Runs;
using Federated.Model.Optimization;
using Federated.Model.Training;

namespace Federated.Simulation.Engine;

/// <summary>Settings of one experiment: the federation's run config and the simulation's own machinery.</summary>
public sealed record SimulationOptions
{
    /// <summary>Seed of the model's initial parameters, node selection and client seeds. Default 1.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Federated rounds; the references train rounds × local epochs passes too. Default 10.</summary>
    public int Rounds { get; init; } = 10;

    /// <summary>
    /// How clients train each round (the run config's <c>training</c> section). Default: the plan's defaults except Adam at
    /// learning rate 0.01 and no clipping (<see cref="DefaultPlan"/>).
    /// </summary>
    public LocalTrainingPlan Plan { get; init; } = DefaultPlan;

    /// <summary>The simulation's default plan: Adam, learning rate 0.01, no clip bound; otherwise the plan's defaults.</summary>
    public static LocalTrainingPlan DefaultPlan { get; } = LocalTrainingPlan.Default with { Optimizer = OptimizerKind.Adam, LearningRate = 0.01f, ClipNorm = 0 };

    /// <summary>Fraction of clients selected per round, in (0, 1]; null = all. Default null.</summary>
    public double? FractionPerRound { get; init; }

    /// <summary>
    /// Aggregation strategy, any name the coordinator's registry knows (checked by the run config's validation).
    /// Default <c>fedavg</c>.
    /// </summary>
    public string Strategy { get; init; } = "fedavg";

    /// <summary>
    /// The strategy's numeric parameters by name, passed to the run config as they are (a parameter left out takes the
    /// strategy's default; an unknown one fails the run config's validation). Set it with <see cref="Strategy"/>.
    /// Default FedAvg's <c>serverLearningRate</c> = 1.
    /// </summary>
    public IReadOnlyDictionary<string, double> StrategyParameters { get; init; } = new Dictionary<string, double>(StringComparer.Ordinal) { ["serverLearningRate"] = 1 };

    /// <summary>
    /// Differential privacy (the run config's <c>privacy</c> section), or null (default): off. Its <c>expectedClients</c>
    /// defaults to the clients selected per round.
    /// </summary>
    public PrivacySettings? Privacy { get; init; }

    /// <summary>
    /// Secure aggregation of every round (the run config's <c>secureAggregation</c> section), or null (default): plain
    /// updates. Its <c>maxWeight</c> 0 means "the largest client's example count", so that no weight is capped and the
    /// weighted mean is FedAvg's. Needs a clip norm in <see cref="Plan"/>.
    /// </summary>
    public SecureAggregationSettings? SecureAggregation { get; init; }

    /// <summary>
    /// F in [0, 1): the fraction of each round's selected clients that vanish (round(F·n) of them, each at a point of the
    /// round, chosen by the seed and the round; see <see cref="DropoutRound"/>). The round then closes at its deadline
    /// (the in-memory host lets it pass at once) with a quorum of 1. Default 0.
    /// </summary>
    public double Dropout { get; init; }

    /// <summary>The attack of the malicious clients, or null (every client honest). Default null.</summary>
    public Attacks.AttackSpec? Attack { get; init; }

    /// <summary>
    /// How many clients attack, chosen by <see cref="Seed"/> (<see cref="Attacks.MaliciousClients"/>); in [0, clients),
    /// used only with an <see cref="Attack"/>. Default 0.
    /// </summary>
    public int Malicious { get; init; }

    /// <summary>
    /// Share of each client's training rows held out as its validation rows, in [0, 1): seeded, the same rows for every
    /// series, and never trained on. 0 (default): no validation, each series reports its last version.
    /// </summary>
    public double ValidationFraction { get; init; }

    /// <summary>
    /// Rounds without improvement of the validation figure before a series stops (≥ 1); null (default): no early stop.
    /// With validation every series still reports its best version. Needs <see cref="ValidationFraction"/> &gt; 0.
    /// </summary>
    public int? Patience { get; init; }

    /// <summary>The validation figure that picks the best version; null (default): the first task's headline metric.</summary>
    public ValidationSelection? SelectBy { get; init; }

    /// <summary>
    /// Rounds of the references (local-only, centralised), each of <see cref="LocalTrainingPlan.LocalEpochs"/> passes;
    /// null (default): <see cref="Rounds"/>. With validation and <see cref="Patience"/> they stop earlier when their own
    /// validation figure stops improving.
    /// </summary>
    public int? ReferenceRounds { get; init; }

    /// <summary>
    /// How the references (local-only, centralised) train each round, when it differs from <see cref="Plan"/> (their own
    /// optimiser, learning rate or batch size: a reference gets the budget that suits it, not the federation's);
    /// null (default): <see cref="Plan"/>. Its local epochs count the references' passes per round like the plan's.
    /// </summary>
    public LocalTrainingPlan? ReferencePlan { get; init; }

    /// <summary>
    /// K: release each client's training rows over time, the earliest ⌈r·n/K⌉ of its n in round r and all from round K on
    /// (<see cref="TimeRelease"/>), in every series. Needs timestamps. Null (default): all rows from round 1.
    /// </summary>
    public int? ReleaseByTime { get; init; }

    /// <summary>
    /// K: every series is an ensemble of K models that differ only in their seeds (member m: the model's initial
    /// parameters, node selection and client shuffles from <see cref="Seed"/> + m; the same clients, data and split),
    /// scored by the mean of their predictions (regression: the mean value; binary: the mean probability). The federated
    /// series is K federations, one after another: K times the training and communication of one. With validation the
    /// federated members train every round and the mean's validation figure picks the reported round and stops the
    /// series; each reference (the centralised model, every local-only client) trains its K members in lockstep and is
    /// stopped by its own mean's validation figure.
    /// In [1, <see cref="MaxEnsemble"/>]; not with <see cref="Privacy"/> (each member would spend the budget again).
    /// Default 1: one federation.
    /// </summary>
    public int Ensemble { get; init; } = 1;

    /// <summary>The largest <see cref="Ensemble"/>, 32.</summary>
    public const int MaxEnsemble = 32;

    /// <summary>Member <paramref name="member"/>'s options: the same with the seed <see cref="Seed"/> + member.</summary>
    internal SimulationOptions ForMember(int member) => this with { Seed = unchecked(Seed + member) };

    /// <summary>Whether every series is selected on validation rows.</summary>
    internal bool HasValidation => ValidationFraction > 0;

    /// <summary>The references' round budget.</summary>
    internal int EffectiveReferenceRounds => ReferenceRounds ?? Rounds;

    /// <summary>Worker threads, each with one training workspace, ≥ 1. Default 2.</summary>
    public int Workers { get; init; } = 2;

    /// <summary>
    /// Histogram bins of binary metric summaries (AUC resolution). Default 1000: 16 KB per task per summary rather than
    /// 160 KB at the node default, which matters with thousands of clients each sending training metrics.
    /// </summary>
    public int MetricBins { get; init; } = 1000;

    /// <summary>
    /// How virtual clients retry a call when the coordinator is unreachable (over gRPC: a lost reply or a busy loopback
    /// server), as a real node does. Default: the node's backoff, at most 5 retries per call.
    /// </summary>
    public RetryOptions Retry { get; init; } = new() { MaxRetries = 5 };

    /// <summary>
    /// An assignment for the references (which talk to no coordinator): the plan without FedProx and clipping, which
    /// only make sense against a global model.
    /// </summary>
    internal TrainingAssignment Assignment(long round, long version) => AssignmentOf(Plan, round, version);

    /// <summary>A reference's assignment: <see cref="ReferencePlan"/> if set, else the federation's (<see cref="Assignment"/>).</summary>
    internal TrainingAssignment ReferenceAssignment(long round, long version) => AssignmentOf(ReferencePlan ?? Plan, round, version);

    private static TrainingAssignment AssignmentOf(LocalTrainingPlan plan, long round, long version) => new()
    {
        Round = round,
        ModelVersion = version,
        Plan = plan with { ProximalMu = 0, ClipNorm = 0, SparseEmbeddings = true },
    };

    /// <summary>Workspace settings every worker uses.</summary>
    internal NodeTrainingOptions NodeOptions() => new()
    {
        Threads = 1,
        MetricBins = MetricBins,
    };

    /// <summary>The run config of the federated series for <paramref name="clients"/> clients.</summary>
    /// <param name="spec">The model.</param>
    /// <param name="clients">The number of clients.</param>
    /// <param name="largestClient">The most examples a client holds: secure aggregation's weight cap when its options leave it 0.</param>
    internal RunConfig RunConfig(Federated.Model.Spec.ModelSpec spec, int clients, long largestClient = 1)
    {
        var selected = FractionPerRound is { } f ? Math.Max(1, (int)Math.Ceiling(f * clients)) : clients;
        var config = new RunConfig
        {
            Name = "simulation",
            Seed = Seed,
            Model = spec,
            Rounds = Rounds,
            // With privacy every client must be eligible before a round starts, and the round's clients are a Poisson sample.
            FractionPerRound = Privacy is null ? FractionPerRound : null,
            MinClients = Privacy is null ? selected : clients,
            RoundDeadlineSeconds = 24 * 3600,
            Training = Plan with { SparseEmbeddings = true },
            Strategy = new StrategySettings
            {
                Name = Strategy,
                Parameters = new Dictionary<string, double>(StrategyParameters, StringComparer.Ordinal),
            },
            Privacy = Privacy is null ? null : Privacy with { ExpectedClients = Privacy.ExpectedClients ?? Privacy.SampleRate * clients },
            SecureAggregation = SecureAggregation is { MaxWeight: 0 } sa ? sa with { MaxWeight = Math.Max(1, largestClient) } : SecureAggregation,
        };
        if (Dropout > 0 && Privacy is null)
        {
            // Drop-outs are the point: the round commits with whoever answered.
            config.Quorum = 1;
        }

        config.Validate();
        return config;
    }

    /// <summary>The settings worth printing in a report.</summary>
    internal Dictionary<string, string> Describe()
    {
        var c = CultureInfo.InvariantCulture;
        var settings = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["local epochs"] = Plan.LocalEpochs.ToString(c),
            ["batch size"] = Plan.BatchSize.ToString(c),
            ["learning rate"] = Plan.LearningRate.ToString(c),
            ["optimizer"] = LocalTrainingPlan.OptimizerName(Plan.Optimizer) + " (fresh each round)",
            ["selection"] = Privacy?.SampleRate is { } q
                ? "Poisson sampling, each client with probability " + q.ToString(c) + " per round"
                : FractionPerRound is { } f ? f.ToString(c) + " of clients per round" : "all clients every round",
            ["strategy"] = DescribeStrategy(),
            ["clip norm"] = SecureAggregation is not null && Privacy?.ClipNorm is { } privacyClip && (Plan.ClipNorm <= 0 || Plan.ClipNorm > privacyClip)
                ? string.Create(c, $"{privacyClip} (the privacy clip S: with secure aggregation each client clips to it)")
                : Plan.ClipNorm == 0 ? "none" : Plan.ClipNorm.ToString(c),
            ["FedProx μ"] = Plan.ProximalMu.ToString(c),
            ["workers"] = Workers.ToString(c),
            ["budget of references"] = string.Create(c, $"{EffectiveReferenceRounds} rounds × {(ReferencePlan ?? Plan).LocalEpochs} local epochs")
                + (ReferencePlan is { } rp ? string.Create(c, $", {LocalTrainingPlan.OptimizerName(rp.Optimizer)} at learning rate {rp.LearningRate}, batch {rp.BatchSize}") : "")
                + (HasValidation && Patience is { } p ? string.Create(c, $", or until {p} rounds without validation improvement") : ""),
        };
        if (Ensemble > 1)
        {
            settings["ensemble"] = string.Create(c, $"every series is the mean prediction of {Ensemble} models with seeds {Seed}–{Seed + Ensemble - 1}: the federated series {Ensemble} federations ({Ensemble}× the training and communication of one), each reference {Ensemble} models");
        }

        if (ReleaseByTime is { } k)
        {
            settings["data release"] = string.Create(c, $"by time over {k} rounds: in round r every client (and the centralised reference, their union) trains on the earliest ⌈min(r, {k})·n/{k}⌉ of its n training rows by timestamp; validation and test rows are fixed; numeric standardisation from all training rows");
        }

        if (SecureAggregation is { } sa)
        {
            settings["secure aggregation"] = string.Create(c, $"threshold {(sa.Threshold is { } t ? t.ToString(c) : "⌈2/3⌉ of the neighbourhood")}, neighbours {(sa.Neighbours == 0 ? "all" : sa.Neighbours.ToString(c))}, max weight {(Privacy is not null ? "1 (private: every client weighs 1, as DP-FedAvg weighs it)" : sa.MaxWeight == 0 ? "the largest client's examples" : sa.MaxWeight.ToString(c))}");
        }

        if (Dropout > 0)
        {
            settings["drop-outs"] = string.Create(c, $"{Dropout} of the selected clients per round, each at a seeded phase (a quarter after sending its update)");
        }

        return settings;
    }

    /// <summary>
    /// Checks the budget and selection settings.
    /// </summary>
    /// <exception cref="ArgumentException">A value out of range or a setting that needs validation without it; the message names the flag.</exception>
    internal void ValidateBudget()
    {
        if (!(ValidationFraction >= 0 && ValidationFraction < 1))
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"--validation-fraction {ValidationFraction}: must be in [0, 1)"));
        }

        if (Patience is < 1)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"--patience {Patience}: must be ≥ 1 round"));
        }

        if (Workers < 1)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"--workers {Workers}: must be ≥ 1"));
        }

        if (ReferenceRounds is < 1)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"--reference-rounds {ReferenceRounds}: must be ≥ 1"));
        }

        if (ReferencePlan is { } reference)
        {
            if (!float.IsFinite(reference.LearningRate) || reference.LearningRate <= 0)
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"--reference-learning-rate {reference.LearningRate}: must be a finite number > 0"));
            }

            if (reference.BatchSize < 1)
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"--reference-batch-size {reference.BatchSize}: must be ≥ 1"));
            }
        }

        if (ReleaseByTime is < 1)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"--release-by-time {ReleaseByTime}: must be ≥ 1 round"));
        }

        if (Ensemble is < 1 or > MaxEnsemble)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"--ensemble {Ensemble}: must be in [1, {MaxEnsemble}]"));
        }

        if (Ensemble > 1 && Privacy is not null)
        {
            throw new ArgumentException("--ensemble with differential privacy: every member would spend the privacy budget again, and the report states one run's ε; give one or the other");
        }

        if (!HasValidation && (Patience is not null || SelectBy is not null))
        {
            throw new ArgumentException("--patience and --select-by need --validation-fraction > 0 (they act on validation rows)");
        }
    }

    /// <summary>The strategy and its parameters, e.g. <c>fedavg (serverLearningRate=1)</c>.</summary>
    internal string DescribeStrategy() => StrategyParameters.Count == 0
        ? Strategy
        : $"{Strategy} ({string.Join(", ", StrategyParameters.Select(p => p.Key + "=" + p.Value.ToString(CultureInfo.InvariantCulture)))})";
}
