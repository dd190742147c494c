using Federated.Coordinator.Aggregation;
using Federated.Coordinator.Aggregation.Privacy;
using Federated.Model.Parameters;
using Federated.Model.Updates;

namespace Federated.Coordinator.Rounds.Pipeline;

/// <summary>One round going through its run's <see cref="RoundPipeline"/>. Not thread-safe: the engine serialises it.</summary>
public sealed class RoundAggregation
{
    private readonly RoundPipeline _pipeline;
    private readonly IRoundAggregator _aggregator;

    internal RoundAggregation(RoundPipeline pipeline, RoundContext context, IRoundAggregator aggregator)
    {
        _pipeline = pipeline;
        _aggregator = aggregator;
        Context = context;
    }

    /// <summary>The round.</summary>
    public RoundContext Context { get; }

    /// <summary>Updates folded in so far.</summary>
    public int Count => _aggregator.Count;

    /// <summary>Runs the per-update transforms; changes nothing of the round.</summary>
    /// <exception cref="RejectionException">A transform refused the update.</exception>
    public NodeUpdate Prepare(NodeUpdate update)
    {
        ArgumentNullException.ThrowIfNull(update);
        foreach (var transform in _pipeline.UpdateTransforms)
        {
            update = transform.Transform(update, Context);
        }

        return update;
    }

    /// <summary>Folds a prepared update into the aggregate.</summary>
    public void Add(NodeUpdate prepared)
    {
        ArgumentNullException.ThrowIfNull(prepared);
        _aggregator.Add(prepared.Delta, new UpdateWeights(prepared.Examples, prepared.TaskExamples));
    }

    /// <summary>
    /// Folds in the unmasked sum of a private secure round: <paramref name="count"/> updates that the nodes clipped to the
    /// privacy clip and sent at unit weight. The round's DP-FedAvg step noises and divides it as it does a plain round's.
    /// </summary>
    /// <exception cref="InvalidOperationException">The run is not private (a plain secure round adds its weighted mean with <see cref="Add"/>).</exception>
    public void AddPrivateSum(ModelDelta sum, int count)
    {
        ArgumentNullException.ThrowIfNull(sum);
        if (_aggregator is not DpFedAvgAggregator privateRound)
        {
            throw new InvalidOperationException("only a private run's round takes an undivided sum of updates");
        }

        privateRound.AddSum(sum, count);
    }

    /// <summary>The next version's parameters: the strategy's result after every post-aggregation transform.</summary>
    public ParameterSet Finish()
    {
        var next = _aggregator.Finish();
        foreach (var transform in _pipeline.PostTransforms)
        {
            transform.Apply(next, Context);
        }

        return next;
    }

    /// <summary>
    /// Whether <see cref="FinishInto"/> may be used: the strategy writes its result in place and no post-aggregation
    /// transform follows (those may change any value).
    /// </summary>
    public bool CanFinishInPlace => _aggregator is IIncrementalRoundAggregator && _pipeline.PostTransforms.Count == 0;

    /// <summary>
    /// Writes the next version into <paramref name="target"/>, which holds exactly the base model's values, touching
    /// only what the round changed; returns the ranges it may have changed. Bit-identical to <see cref="Finish"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException"><see cref="CanFinishInPlace"/> is false.</exception>
    public ParameterChanges FinishInto(ParameterSet target)
    {
        if (!CanFinishInPlace)
        {
            throw new InvalidOperationException("this round's pipeline cannot finish in place");
        }

        return ((IIncrementalRoundAggregator)_aggregator).FinishInto(target);
    }

    /// <summary>
    /// Ends a round that will never finish (failed or abandoned): what its strategy holds for it — buffered updates, a
    /// spill file — is released now rather than when the garbage collector finds it.
    /// </summary>
    public void Abandon() => (_aggregator as IDisposable)?.Dispose();

    /// <summary>
    /// The strategy's state after this round, to be stored with its version (see <see cref="IStatefulStrategy"/>); null
    /// when the strategy keeps none. Call it after <see cref="Finish"/>, before the run's next round begins.
    /// </summary>
    public byte[]? SaveStrategyState() => (_pipeline.Strategy as IStatefulStrategy)?.SaveState(_aggregator);

    /// <summary>
    /// The privacy ledger after this round (what its version stores), or null when the run is not private. Call it after
    /// <see cref="Finish"/>.
    /// </summary>
    public PrivacyLedger? PrivacyLedgerAfter() => _pipeline.Privacy?.LedgerAfter(_aggregator);
}
