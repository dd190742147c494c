using System.Text.Json;
using Federated.Coordinator.Aggregation;
using Federated.Model.Spec;
using Federated.Model.Training;

namespace Federated.Coordinator.Runs;

/// <summary>
/// Everything a run needs: the model, how many rounds, whom to select, when to close a round, how nodes train and how
/// updates are aggregated. Read from JSON (camelCase keys, unknown keys rejected) by <see cref="FromJson"/>.
/// </summary>
/// <remarks>
/// Exactly one of <see cref="NodesPerRound"/> and <see cref="FractionPerRound"/> may be set; with neither, every
/// connected node is selected. A round closes when every selected node has answered, or at its deadline when at least
/// <see cref="Quorum"/> updates arrived.
/// </remarks>
public sealed record RunConfig
{
    /// <summary>A label for people. Default empty.</summary>
    public string Name { get; set; } = "";

    /// <summary>Seed of the initial parameters and of node selection. Default 1.</summary>
    public int Seed { get; set; } = 1;

    /// <summary>The model. Required.</summary>
    public ModelSpec? Model { get; set; }

    /// <summary>Model versions to produce (committed rounds), ≥ 1. Default 10.</summary>
    public int Rounds { get; set; } = 10;

    /// <summary>
    /// Nodes selected per round (at least <see cref="MinClients"/> are selected). Optional. With <see cref="Privacy"/> nodes
    /// are drawn by Poisson sampling instead, and this is only the default of <c>privacy.expectedClients</c>.
    /// </summary>
    public int? NodesPerRound { get; set; }

    /// <summary>Fraction in (0, 1] of connected nodes selected per round, rounded up. Optional; refused with <see cref="Privacy"/> (whose <c>sampleRate</c> it would contradict).</summary>
    public double? FractionPerRound { get; set; }

    /// <summary>Connected nodes needed before a round starts, ≥ 1. Default 1.</summary>
    public int MinClients { get; set; } = 1;

    /// <summary>
    /// Updates needed to close a round at its deadline, 1 ≤ quorum ≤ <see cref="MinClients"/>. Default: <see cref="MinClients"/>.
    /// Refused with <see cref="Privacy"/>: a private round commits whatever its Poisson sample sent.
    /// </summary>
    public int? Quorum { get; set; }

    /// <summary>Seconds from a round's start to its deadline, &gt; 0. Default 600.</summary>
    public double RoundDeadlineSeconds { get; set; } = 600;

    /// <summary>What to do when a deadline passes without quorum. Default <see cref="NoQuorumPolicy.Retry"/>.</summary>
    public NoQuorumPolicy OnNoQuorum { get; set; } = NoQuorumPolicy.Retry;

    /// <summary>Consecutive failed rounds retried before the run fails, ≥ 0. Default 3.</summary>
    public int MaxRetries { get; set; } = 3;

    /// <summary>How selected nodes train: the local training plan handed to every node with its assignment.</summary>
    public LocalTrainingPlan Training { get; set; } = LocalTrainingPlan.Default;

    /// <summary>Aggregation strategy.</summary>
    public StrategySettings Strategy { get; set; } = new();

    /// <summary>Differential privacy (DP-FedAvg at the coordinator), or null (default): no clipping, no noise.</summary>
    public PrivacySettings? Privacy { get; set; }

    /// <summary>Secure aggregation of every round (<see cref="SecureAggregationSettings"/>), or null (default): nodes send plain updates.</summary>
    public SecureAggregationSettings? SecureAggregation { get; set; }

    /// <summary>
    /// The quorum in force: <see cref="Quorum"/> or <see cref="MinClients"/>; 0 with <see cref="Privacy"/>, whose rounds commit
    /// whatever their Poisson sample sent (the accountant counts every sampled round, so none may fail and be drawn again
    /// because of who answered).
    /// </summary>
    public int EffectiveQuorum => Privacy is null ? Quorum ?? MinClients : 0;

    /// <summary>The model spec; the config must have been validated.</summary>
    public ModelSpec Spec => Model ?? throw new RunConfigException("model", "is required");

    /// <summary>Parses and validates a run config.</summary>
    /// <exception cref="RunConfigException">Malformed JSON, an unknown key or an invalid value; the message names the key.</exception>
    public static RunConfig FromJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        RunConfig? config;
        try
        {
            config = JsonSerializer.Deserialize(json, RunConfigJsonContext.Default.RunConfig);
        }
        catch (JsonException e)
        {
            var inner = e.InnerException as RunConfigException;
            if (inner is not null)
            {
                throw inner;
            }

            throw RunConfigException.FromJson(e.Path ?? "$", e);
        }

        if (config is null)
        {
            throw new RunConfigException("$", "the run config is empty (null)");
        }

        config.Validate();
        return config;
    }

    /// <summary>Serialises this config to JSON that <see cref="FromJson"/> reads back.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, RunConfigJsonContext.Default.RunConfig);

    /// <summary>Checks every invariant stated on the properties.</summary>
    /// <exception cref="RunConfigException">The first violation, naming its key.</exception>
    public void Validate()
    {
        if (Model is null)
        {
            Fail("model", "is required");
        }

        try
        {
            Model.Validate();
        }
        catch (ModelSpecException e)
        {
            throw new RunConfigException("model." + e.Key, e.Message, e);
        }

        if (Rounds < 1)
        {
            Fail("rounds", $"must be ≥ 1, not {Rounds}");
        }

        if (NodesPerRound is not null && FractionPerRound is not null)
        {
            Fail("nodesPerRound", "set either 'nodesPerRound' or 'fractionPerRound', not both");
        }

        if (NodesPerRound is < 1)
        {
            Fail("nodesPerRound", $"must be ≥ 1, not {NodesPerRound}");
        }

        if (FractionPerRound is { } fraction && (!double.IsFinite(fraction) || fraction <= 0 || fraction > 1))
        {
            Fail("fractionPerRound", $"must be in (0, 1], not {fraction}");
        }

        if (MinClients < 1)
        {
            Fail("minClients", $"must be ≥ 1, not {MinClients}");
        }

        if (NodesPerRound is { } count && count < MinClients)
        {
            Fail("nodesPerRound", $"must be ≥ minClients ({MinClients}), not {count}");
        }

        if (Quorum is { } quorum && (quorum < 1 || quorum > MinClients))
        {
            Fail("quorum", $"must be in [1, minClients = {MinClients}], not {quorum}");
        }

        if (!double.IsFinite(RoundDeadlineSeconds) || RoundDeadlineSeconds <= 0)
        {
            Fail("roundDeadlineSeconds", $"must be a finite number > 0, not {RoundDeadlineSeconds}");
        }

        if (MaxRetries < 0)
        {
            Fail("maxRetries", $"must be ≥ 0, not {MaxRetries}");
        }

        ValidateTraining(Training);
        ValidateStrategy(Strategy, Quorum ?? MinClients);
        Aggregation.Privacy.PrivacyPlan.From(this);
        SecureAggregation?.Validate(this);
        ValidateOutputBiasesFromData();
    }

    /// <summary>
    /// A shared head whose output bias starts from data makes every node send its label count and sum per task in plaintext
    /// (the label-statistics round): that would undo what differential privacy or secure aggregation promise, so such a
    /// run must give the head a fixed <c>outputBias</c> instead.
    /// </summary>
    private void ValidateOutputBiasesFromData()
    {
        if (Privacy is null && SecureAggregation is null)
        {
            return;
        }

        for (var t = 0; t < Spec.Tasks.Count; t++)
        {
            var task = Spec.Tasks[t];
            if (task.OutputBiasFromData && task.Scope == ParameterScope.Shared)
            {
                Fail(
                    $"model.tasks[{t}].outputBiasFromData",
                    $"the shared head of task '{task.Name}' cannot start from data in a run with {(Privacy is not null ? "differential privacy" : "secure aggregation")}: every node would send its label count and sum in plaintext; set its outputBias instead (or make the head local)");
            }
        }
    }

    private static void ValidateTraining(LocalTrainingPlan? training)
    {
        if (training is null)
        {
            Fail("training", "must be an object, not null");
        }

        try
        {
            training.Validate();
        }
        catch (TrainingPlanException e)
        {
            throw new RunConfigException("training." + e.Key, e.Reason, e);
        }
    }

    private static void ValidateStrategy(StrategySettings? strategy, int minUpdates)
    {
        if (strategy is null)
        {
            Fail("strategy", "must be an object, not null");
        }

        if (!AggregationStrategies.IsKnown(strategy.Name))
        {
            Fail("strategy.name", $"unknown strategy '{strategy.Name}'; known: {string.Join(", ", AggregationStrategies.Names)}");
        }

        var problem = AggregationStrategies.CheckParameters(strategy.Name, strategy.Parameters ?? new Dictionary<string, double>(), minUpdates);
        if (problem is { } p)
        {
            Fail("strategy.parameters." + p.Key, p.Reason);
        }
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void Fail(string key, string reason) => throw new RunConfigException(key, reason);
}
