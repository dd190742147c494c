using Federated.Model.Parameters;

namespace Federated.Coordinator.Aggregation.Robust;

/// <summary>
/// The norm bound (<see cref="NormBound"/>) in front of a strategy that folds updates as they arrive (FedAvg, a server
/// optimiser): the round's updates are buffered (<see cref="UpdateBuffer"/>), and at <see cref="IRoundAggregator.Finish"/>
/// each is scaled by its factor and handed to the inner strategy's round in arrival order, with its own weights.
/// </summary>
/// <remarks>
/// The inner round sees exactly what it would have seen had the nodes sent the scaled updates; it is begun once per round
/// and finished again (not replayed) when the engine finishes the round again. Memory: the buffer's, on top of the inner
/// strategy's own.
/// </remarks>
public sealed class NormBoundedStrategy : IAggregationStrategy
{
    private readonly UpdateBufferOptions _buffer;
    private readonly RecycledArrays _recycled = new();
    private NormBoundedAggregator? _last;

    /// <summary>Puts the norm bound with multiple <paramref name="multiple"/> in front of <paramref name="inner"/>.</summary>
    public NormBoundedStrategy(IAggregationStrategy inner, double multiple, UpdateBufferOptions? buffer = null)
    {
        ArgumentNullException.ThrowIfNull(inner);
        if (!double.IsFinite(multiple) || multiple <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(multiple), multiple, "the norm bound's multiple must be finite and > 0");
        }

        Inner = inner;
        Multiple = multiple;
        _buffer = buffer ?? UpdateBufferOptions.Default;
    }

    /// <summary>The strategy behind the bound.</summary>
    public IAggregationStrategy Inner { get; }

    /// <summary>k: updates are scaled to at most k × the round's median norm.</summary>
    public double Multiple { get; }

    /// <summary>The inner strategy's name: the bound is a parameter of it in the run config.</summary>
    public string Name => Inner.Name;

    /// <summary>
    /// <paramref name="strategy"/> behind the norm bound when <paramref name="parameters"/> ask for one and the strategy
    /// does not apply it itself (a <see cref="RobustStrategy"/> does), keeping its state stored with each version when it
    /// has one (<see cref="IStatefulStrategy"/>); otherwise <paramref name="strategy"/>.
    /// </summary>
    public static IAggregationStrategy WrapIfAsked(IAggregationStrategy strategy, IReadOnlyDictionary<string, double> parameters, UpdateBufferOptions? buffer = null)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (strategy is RobustStrategy || !parameters.TryGetValue(NormBound.MultipleKey, out var k))
        {
            return strategy;
        }

        var bounded = new NormBoundedStrategy(strategy, k, buffer);
        return strategy is IStatefulStrategy ? new StatefulNormBoundedStrategy(bounded) : bounded;
    }

    /// <inheritdoc />
    public IRoundAggregator BeginRound(ParameterSet baseModel)
    {
        ArgumentNullException.ThrowIfNull(baseModel);
        var previous = Interlocked.Exchange(ref _last, null);
        if (previous is { Finished: true })
        {
            previous.Retire(_recycled);
        }

        var aggregator = new NormBoundedAggregator(Inner, baseModel, new UpdateBuffer(baseModel.Layout, _buffer, _recycled), Multiple);
        _last = aggregator;
        return aggregator;
    }
}
