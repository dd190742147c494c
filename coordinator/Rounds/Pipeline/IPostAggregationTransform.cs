using Federated.Model.Parameters;

namespace Federated.Coordinator.Rounds.Pipeline;

/// <summary>
/// A coordinator step applied to the strategy's result before it is committed (a server optimiser over the
/// pseudo-gradient next − base, central differential-privacy noise, …).
/// </summary>
/// <remarks>Runs once per committed round, outside the engine's locks, on the round's own new parameter set.</remarks>
public interface IPostAggregationTransform
{
    /// <summary>A short name for logs and reports, e.g. <c>fedadam</c>.</summary>
    string Name { get; }

    /// <summary>Changes <paramref name="aggregate"/> in place (shared tensors only).</summary>
    /// <param name="aggregate">The aggregate about to become the next version; <see cref="RoundContext.BaseModel"/> is the current one.</param>
    /// <param name="context">The round.</param>
    void Apply(ParameterSet aggregate, RoundContext context);
}
