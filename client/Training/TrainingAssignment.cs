using Federated.Model.Optimization;

namespace Federated.Client.Training;

/// <summary>What the coordinator asks a node to do in one round (plain C#; the gRPC adapter converts to it).</summary>
public sealed record TrainingAssignment
{
    /// <summary>The round id.</summary>
    public long Round { get; init; }

    /// <summary>The version of the shared parameters the node trains from.</summary>
    public long ModelVersion { get; init; }

    /// <summary>Passes over the local training split. Default 1.</summary>
    public int LocalEpochs { get; init; } = 1;

    /// <summary>Examples per step. Default 64.</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>The local optimiser's learning rate. Default 0.01.</summary>
    public float LearningRate { get; init; } = 0.01f;

    /// <summary>FedProx μ: weight of (μ/2)·‖θ − θ_global‖² on shared tensors; 0 = FedAvg. Default 0.</summary>
    public float ProximalMu { get; init; }

    /// <summary>L2 bound C of the update Δ; 0 = no clipping. Default 0.</summary>
    public double ClipNorm { get; init; }

    /// <summary>Whether embedding tables are sent row-sparse (touched rows only) rather than dense. Default true.</summary>
    public bool Sparse { get; init; } = true;

    /// <summary>The local optimiser the run asks for; null = the session's <see cref="NodeTrainingOptions.Optimizer"/>. Default null.</summary>
    public OptimizerKind? Optimizer { get; init; }

    /// <summary>
    /// Reads a run's optimizer name (<c>sgd</c>, <c>momentum</c>, <c>adam</c>, any case); empty or null means none asked.
    /// </summary>
    /// <exception cref="InvalidDataException">The name is not one this node knows.</exception>
    public static OptimizerKind? ParseOptimizer(string? name) => name switch
    {
        null or "" => null,
        _ when Enum.TryParse<OptimizerKind>(name, ignoreCase: true, out var kind) && Enum.IsDefined(kind) && !name.All(char.IsDigit) => kind,
        _ => throw new InvalidDataException($"the run asks for optimizer '{name}', which this node does not know (sgd, momentum, adam)"),
    };

    /// <summary>Checks the values.</summary>
    /// <exception cref="ArgumentException">A value is out of range.</exception>
    public void Validate()
    {
        if (LocalEpochs < 1)
        {
            throw new ArgumentException($"LocalEpochs must be ≥ 1, not {LocalEpochs}", nameof(LocalEpochs));
        }

        if (BatchSize < 1)
        {
            throw new ArgumentException($"BatchSize must be ≥ 1, not {BatchSize}", nameof(BatchSize));
        }

        if (!(LearningRate > 0 && float.IsFinite(LearningRate)))
        {
            throw new ArgumentException($"LearningRate must be finite and > 0, not {LearningRate}", nameof(LearningRate));
        }

        if (!(ProximalMu >= 0 && float.IsFinite(ProximalMu)))
        {
            throw new ArgumentException($"ProximalMu must be finite and ≥ 0, not {ProximalMu}", nameof(ProximalMu));
        }

        if (!(ClipNorm >= 0 && double.IsFinite(ClipNorm)))
        {
            throw new ArgumentException($"ClipNorm must be finite and ≥ 0, not {ClipNorm}", nameof(ClipNorm));
        }
    }
}
