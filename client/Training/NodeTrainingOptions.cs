using Federated.Client.Training.Updates;

namespace Federated.Client.Training;

/// <summary>Settings of a node's training session that do not change per round.</summary>
public sealed record NodeTrainingOptions
{
    /// <summary>Seeds local initialisation and the per-round shuffles. Default 0.</summary>
    public int Seed { get; init; }

    /// <summary>Trainer threads. Default 1.</summary>
    public int Threads { get; init; } = 1;

    /// <summary>Examples per forward pass in evaluation and recommendation. Default 256.</summary>
    public int EvaluationBatchSize { get; init; } = 256;

    /// <summary>Histogram bins of binary metric summaries; every node of a run must use the same. Default 10 000.</summary>
    public int MetricBins { get; init; } = Federated.Model.Metrics.BinaryMetricSummary.DefaultBinCount;

    /// <summary>
    /// Steps of update preparation beyond the standard ones (compute Δ, clip), each placed by its stage: how a new
    /// feature or a researcher's experiment changes what the node sends without editing the training loop. Default none.
    /// </summary>
    public IReadOnlyList<NodeUpdateTransformFactory> ExtraUpdateTransforms { get; init; } = [];
}
