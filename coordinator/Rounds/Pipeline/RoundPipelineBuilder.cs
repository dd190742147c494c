using Federated.Coordinator.Aggregation;

namespace Federated.Coordinator.Rounds.Pipeline;

/// <summary>The steps of one run's pipeline while they are being chosen; <see cref="Build"/> freezes them.</summary>
public sealed class RoundPipelineBuilder
{
    /// <summary>Starts from the run's strategy and no transforms.</summary>
    public RoundPipelineBuilder(IAggregationStrategy strategy)
    {
        ArgumentNullException.ThrowIfNull(strategy);
        Strategy = strategy;
    }

    /// <summary>Per-update steps, in order.</summary>
    public IList<IUpdateTransform> UpdateTransforms { get; } = [];

    /// <summary>The aggregation strategy.</summary>
    public IAggregationStrategy Strategy { get; set; }

    /// <summary>Steps on the aggregate, in order.</summary>
    public IList<IPostAggregationTransform> PostTransforms { get; } = [];

    /// <summary>The pipeline with the steps chosen so far.</summary>
    public RoundPipeline Build() => new([.. UpdateTransforms], Strategy, [.. PostTransforms]);
}
