using Federated.Model.Parameters;

namespace Federated.Coordinator.Aggregation.Robust;

/// <summary>
/// The norm bound in front of a strategy with state (a server optimiser): rounds go through the bound, and the state
/// saved with each version is the inner strategy's, taken from the inner round the bound fed.
/// </summary>
/// <remarks>
/// A separate type, so that a bound in front of a stateless strategy stays stateless: the engine stores and requires
/// state exactly for strategies that implement <see cref="IStatefulStrategy"/>.
/// </remarks>
internal sealed class StatefulNormBoundedStrategy : IAggregationStrategy, IStatefulStrategy
{
    private readonly NormBoundedStrategy _bounded;
    private readonly IStatefulStrategy _inner;

    public StatefulNormBoundedStrategy(NormBoundedStrategy bounded)
    {
        ArgumentNullException.ThrowIfNull(bounded);
        _bounded = bounded;
        _inner = bounded.Inner as IStatefulStrategy ?? throw new ArgumentException($"strategy '{bounded.Name}' has no state", nameof(bounded));
    }

    /// <inheritdoc />
    public string Name => _bounded.Name;

    /// <inheritdoc />
    public IRoundAggregator BeginRound(ParameterSet baseModel) => _bounded.BeginRound(baseModel);

    /// <inheritdoc />
    public byte[] SaveState(IRoundAggregator finished) =>
        finished is NormBoundedAggregator { InnerRound: { } round }
            ? _inner.SaveState(round)
            : throw new ArgumentException("not a finished round of this strategy", nameof(finished));

    /// <inheritdoc />
    public void RestoreState(ReadOnlySpan<byte> state) => _inner.RestoreState(state);
}
