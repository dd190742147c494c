using Federated.Model.Optimization;

namespace Federated.Client.Training;

/// <summary>How <see cref="FineTuner"/> tunes a node's model on its own data after (or outside) a federated run.</summary>
public sealed record FineTuneOptions
{
    /// <summary>The most passes over the training split, ≥ 1 (fewer when validation stops it early). Default 5.</summary>
    public int Epochs { get; init; } = 5;

    /// <summary>
    /// Whether shared tensors (item embeddings, trunk, shared heads) are tuned too; by default they are frozen and only
    /// local tensors (local fields' embeddings, local task heads) learn. Tuned shared values are kept on this machine,
    /// never uploaded. Default false.
    /// </summary>
    public bool TuneShared { get; init; }

    /// <summary>Epochs in a row without a lower validation loss before tuning stops, ≥ 1; null: run every epoch (the best epoch is still kept). Default 2.</summary>
    public int? Patience { get; init; } = 2;

    /// <summary>Examples per optimiser step, ≥ 1. Default 64 (as a round's default plan).</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>The optimiser, created fresh for the tuning. Default <see cref="OptimizerKind.Sgd"/> (as a round's default plan).</summary>
    public OptimizerKind Optimizer { get; init; } = OptimizerKind.Sgd;

    /// <summary>Learning rate, finite and &gt; 0. Default 0.05 (as a round's default plan).</summary>
    public float LearningRate { get; init; } = 0.05f;

    /// <summary>Checks the bounds stated on each property.</summary>
    /// <exception cref="ArgumentException">The first value out of its bounds, named as on the node's command line.</exception>
    public void Validate()
    {
        if (Epochs < 1)
        {
            throw new ArgumentException($"--epochs must be ≥ 1, not {Epochs}");
        }

        if (Patience is < 1)
        {
            throw new ArgumentException($"--patience must be ≥ 1 epoch, not {Patience}");
        }

        if (BatchSize < 1)
        {
            throw new ArgumentException($"--batch-size must be ≥ 1, not {BatchSize}");
        }

        if (!Enum.IsDefined(Optimizer))
        {
            throw new ArgumentException($"--optimizer must be sgd, momentum or adam, not {(int)Optimizer}");
        }

        if (!float.IsFinite(LearningRate) || LearningRate <= 0)
        {
            throw new ArgumentException($"--learning-rate must be a finite number > 0, not {LearningRate}");
        }
    }
}
