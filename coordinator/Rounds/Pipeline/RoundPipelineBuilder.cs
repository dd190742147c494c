using Federated.Coordinator.Aggregation;

namespace Federated.Coordinator.Rounds.Pipeline;

/// <summary>The steps of one run's pipeline while they are being chosen; <see cref="Build"/> freezes them.</summary>
public sealed class RoundPipelineBuilder
{
    /// <summary>Starts from the run's strategy, its sampler and no transforms.</summary>
    public RoundPipelineBuilder(IAggregationStrategy strategy, IParticipantSampler sampler)
    {
        ArgumentNullException.ThrowIfNull(strategy);
        ArgumentNullException.ThrowIfNull(sampler);
        Strategy = strategy;
        Sampler = sampler;
    }

    /// <summary>Who takes part in each round.</summary>
    public IParticipantSampler Sampler { get; set; }

    /// <summary>Per-update steps, in order.</summary>
    public IList<IUpdateTransform> UpdateTransforms { get; } = [];

    /// <summary>The aggregation strategy.</summary>
    public IAggregationStrategy Strategy { get; set; }

    /// <summary>Steps on the aggregate, in order.</summary>
    public IList<IPostAggregationTransform> PostTransforms { get; } = [];

    /// <summary>The pipeline with the steps chosen so far.</summary>
    public RoundPipeline Build() => new(Sampler, [.. UpdateTransforms], Strategy, [.. PostTransforms]);
}
