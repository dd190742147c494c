using Federated.Model.Parameters;

namespace Federated.Coordinator.Aggregation;

/// <summary>
/// A round aggregator that can write the next version into a buffer already holding the base version's values,
/// touching only what the round changed, so that a commit costs in proportion to the rows sent rather than to the model.
/// </summary>
public interface IIncrementalRoundAggregator : IRoundAggregator
{
    /// <summary>
    /// Writes the result <see cref="IRoundAggregator.Finish"/> would return into <paramref name="target"/>, bit for bit,
    /// and returns which values it may have changed; nothing outside those ranges is written.
    /// </summary>
    /// <param name="target">A set of the base model's layout holding exactly the base model's values (not the base set itself).</param>
    /// <exception cref="ArgumentException"><paramref name="target"/> has another layout, or is the base set.</exception>
    ParameterChanges FinishInto(ParameterSet target);
}
