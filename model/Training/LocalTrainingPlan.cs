using Federated.Model.Optimization;

namespace Federated.Model.Training;

/// <summary>
/// How a node trains in one round: the single declaration of the local training settings. A run config's
/// <c>training</c> section is this record, the coordinator hands it to every selected node in its assignment (the proto
/// message <c>federated.v1.LocalTrainingPlan</c> carries it field for field), the node builds its trainer and its update
/// pipeline from it, and the simulation's references train with it.
/// </summary>
/// <remarks>
/// Defaults and bounds are stated once, here, and checked by <see cref="Validate"/>. Features that change what a node
/// does to its update (local noise, quantisation, masking) add their settings to this record, so that they reach the
/// node through the same path and are validated in the same place.
/// </remarks>
public sealed record LocalTrainingPlan
{
    /// <summary>The plan with every default.</summary>
    public static LocalTrainingPlan Default { get; } = new();

    /// <summary>Passes over the node's training split per round, ≥ 1. Default 1.</summary>
    public int LocalEpochs { get; init; } = 1;

    /// <summary>Examples per optimiser step, ≥ 1. Default 64.</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>The local optimiser, created fresh every round. Default <see cref="OptimizerKind.Sgd"/>.</summary>
    public OptimizerKind Optimizer { get; init; } = OptimizerKind.Sgd;

    /// <summary>The local optimiser's learning rate, finite and &gt; 0. Default 0.05.</summary>
    public float LearningRate { get; init; } = 0.05f;

    /// <summary>
    /// FedProx proximal coefficient μ ≥ 0 (Li et al., <i>Federated Optimization in Heterogeneous Networks</i>, MLSys 2020):
    /// the node adds (μ/2)·‖θ_shared − θ_global‖² to its loss; 0 is FedAvg's local step. Default 0.
    /// </summary>
    public float ProximalMu { get; init; }

    /// <summary>
    /// Bound C ≥ 0 on the L2 norm of the whole update Δ (one norm over every shared tensor, sparse rows included): the
    /// node scales Δ down to ‖Δ‖₂ ≤ C and the coordinator refuses larger updates. 0 = no bound. Default 10.
    /// </summary>
    public double ClipNorm { get; init; } = 10;

    /// <summary>Whether embedding tables are sent row-sparse (only the rows trained this round) rather than dense. Default true.</summary>
    public bool SparseEmbeddings { get; init; } = true;

    /// <summary>Checks every bound stated on the properties.</summary>
    /// <exception cref="TrainingPlanException">The first violation, with the camelCase key of the value.</exception>
    public void Validate()
    {
        if (LocalEpochs < 1)
        {
            throw new TrainingPlanException("localEpochs", $"must be ≥ 1, not {LocalEpochs}");
        }

        if (BatchSize < 1)
        {
            throw new TrainingPlanException("batchSize", $"must be ≥ 1, not {BatchSize}");
        }

        if (!Enum.IsDefined(Optimizer))
        {
            throw new TrainingPlanException("optimizer", $"must be sgd, momentum or adam, not {(int)Optimizer}");
        }

        if (!float.IsFinite(LearningRate) || LearningRate <= 0)
        {
            throw new TrainingPlanException("learningRate", $"must be a finite number > 0, not {LearningRate}");
        }

        if (!float.IsFinite(ProximalMu) || ProximalMu < 0)
        {
            throw new TrainingPlanException("proximalMu", $"must be a finite number ≥ 0, not {ProximalMu}");
        }

        if (!double.IsFinite(ClipNorm) || ClipNorm < 0)
        {
            throw new TrainingPlanException("clipNorm", $"must be a finite number ≥ 0 (0 = no bound), not {ClipNorm}");
        }
    }

    /// <summary>Reads an optimiser name as written in run configs and on command lines: <c>sgd</c>, <c>momentum</c>, <c>adam</c> (any case).</summary>
    /// <exception cref="TrainingPlanException">Not one of those names.</exception>
    public static OptimizerKind ParseOptimizer(string name) =>
        name?.ToLowerInvariant() switch
        {
            "sgd" => OptimizerKind.Sgd,
            "momentum" => OptimizerKind.Momentum,
            "adam" => OptimizerKind.Adam,
            _ => throw new TrainingPlanException("optimizer", $"must be sgd, momentum or adam, not '{name}'"),
        };

    /// <summary>The name <see cref="ParseOptimizer"/> reads back.</summary>
    public static string OptimizerName(OptimizerKind kind) => kind switch
    {
        OptimizerKind.Sgd => "sgd",
        OptimizerKind.Momentum => "momentum",
        OptimizerKind.Adam => "adam",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown optimizer"),
    };
}
