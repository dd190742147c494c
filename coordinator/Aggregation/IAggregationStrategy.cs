using Federated.Model.Parameters;

namespace Federated.Coordinator.Aggregation;

/// <summary>
/// A server-side aggregation rule (FedAvg today; FedAvgM, FedAdam, median, trimmed mean or Krum can be added behind
/// the same interface). One instance serves one run, so stateful strategies (server momentum, server Adam moments)
/// keep their state in it across rounds.
/// </summary>
public interface IAggregationStrategy
{
    /// <summary>The strategy's config name, e.g. <c>fedavg</c>.</summary>
    string Name { get; }

    /// <summary>Starts collecting the updates of a round whose base model is <paramref name="baseModel"/> (not modified).</summary>
    IRoundAggregator BeginRound(ParameterSet baseModel);

    /// <summary>
    /// Starts round <paramref name="round"/> of the run (its number, ≥ 1, the same after a coordinator restart). Strategies
    /// whose aggregation draws randomness (bucketing) key it by the round, so a round aggregates the same way whenever it
    /// runs; the others ignore the number.
    /// </summary>
    IRoundAggregator BeginRound(ParameterSet baseModel, long round) => BeginRound(baseModel);
}
