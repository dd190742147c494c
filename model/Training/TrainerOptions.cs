using Federated.Model.Optimization;

namespace Federated.Model.Training;

/// <summary>Settings of a <see cref="MultiTaskTrainer"/>.</summary>
public sealed record TrainerOptions
{
    /// <summary>The optimiser; default Adam with learning rate 1e-3.</summary>
    public OptimizerOptions Optimizer { get; init; } = new();

    /// <summary>Largest batch the trainer accepts (buffers are sized for it). Default 256.</summary>
    public int MaxBatchSize { get; init; } = 256;

    /// <summary>Threads that split each batch (data parallel within a step). Default 1.</summary>
    public int Threads { get; init; } = 1;

    /// <summary>Seed of the dropout masks. Default 0.</summary>
    public int Seed { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Optimizer, nameof(Optimizer));
        if (MaxBatchSize < 1)
        {
            throw new ArgumentException($"MaxBatchSize must be ≥ 1, not {MaxBatchSize}", nameof(MaxBatchSize));
        }

        if (Threads < 1 || Threads > MaxBatchSize)
        {
            throw new ArgumentException($"Threads must be in [1, MaxBatchSize], not {Threads}", nameof(Threads));
        }
    }
}
