using Federated.Coordinator.Aggregation;
using Federated.Coordinator.Aggregation.Privacy;

namespace Federated.Coordinator.Rounds.Pipeline;

/// <summary>
/// How one run chooses each round's nodes (<see cref="Sampler"/>) and turns the round's validated updates into its next
/// version: per-update transforms → aggregation strategy → post-aggregation transforms. Built once per run by the
/// <see cref="RoundPipelineFactory"/>; stateful steps (server moments) keep their state in their instances.
/// </summary>
public sealed class RoundPipeline
{
    internal RoundPipeline(IParticipantSampler sampler, IReadOnlyList<IUpdateTransform> updateTransforms, IAggregationStrategy strategy, IReadOnlyList<IPostAggregationTransform> postTransforms)
    {
        Sampler = sampler;
        UpdateTransforms = updateTransforms;
        Strategy = strategy;
        PostTransforms = postTransforms;
    }

    /// <summary>Who takes part in each round: the run config's count, or Poisson sampling when the run is private.</summary>
    public IParticipantSampler Sampler { get; }

    /// <summary>Per-update steps, in order.</summary>
    public IReadOnlyList<IUpdateTransform> UpdateTransforms { get; }

    /// <summary>The strategy.</summary>
    public IAggregationStrategy Strategy { get; }

    /// <summary>The strategy when the run is private (DP-FedAvg in front of the configured one), else null.</summary>
    public DpFedAvgStrategy? Privacy => Strategy as DpFedAvgStrategy;

    /// <summary>Steps on the aggregate, in order.</summary>
    public IReadOnlyList<IPostAggregationTransform> PostTransforms { get; }

    /// <summary>The step names in order, e.g. <c>fedavg</c> or <c>norm-bound → median → fedadam</c>.</summary>
    public string Describe() => string.Join(" → ", UpdateTransforms.Select(t => t.Name).Append(Strategy.Name).Concat(PostTransforms.Select(t => t.Name)));

    /// <summary>
    /// Gives a stateful strategy the state stored with the version its run resumes from, before any round begins; a
    /// strategy that keeps no state ignores it.
    /// </summary>
    /// <param name="state">The bytes stored with <paramref name="version"/>, or null when none were.</param>
    /// <param name="version">The version the run resumes from; version 0 has no state (the strategy starts afresh).</param>
    /// <exception cref="InvalidDataException">A stateful strategy finds no state for a version after 0, or cannot read it.</exception>
    public void RestoreStrategyState(byte[]? state, long version)
    {
        if (Strategy is not IStatefulStrategy stateful)
        {
            return;
        }

        if (state is null)
        {
            if (version == 0)
            {
                return;
            }

            throw new InvalidDataException($"version {version} was stored without the state of strategy '{Strategy.Name}', so the run cannot continue as it would have");
        }

        stateful.RestoreState(state);
    }

    /// <summary>Starts a round: its aggregator over <see cref="RoundContext.BaseModel"/>.</summary>
    public RoundAggregation BeginRound(RoundContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return new RoundAggregation(this, context, Strategy.BeginRound(context.BaseModel, context.Round));
    }
}
