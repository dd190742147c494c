using Federated.Model.Parameters;

namespace Federated.Coordinator.Aggregation;

/// <summary>
/// Federated averaging weighted by examples (McMahan et al. 2017), with per-row averaging of sparse embedding updates
/// and per-task weighting of task-specific tensors.
/// </summary>
/// <remarks>
/// θ ← θ + η · Σ_k w_k Δ_k / Σ_k w_k, where w_k is node k's example count for trunk tensors, its labelled examples of
/// task t for tensors of task t (<see cref="TensorInfo.Task"/>: its tower, gates and task experts), and, for each embedding row, counted only over the
/// nodes that sent that row. η is <c>serverLearningRate</c> (default 1, plain FedAvg). Updates are folded into a
/// running sum as they arrive: memory is O(model), not O(nodes × model).
/// <para>
/// The sums are kept in double and the fold and apply are vectorised without fused multiply-add, so the result is
/// bit-identical to the scalar formula. A run's rounds are sequential, so a round begun after the previous one finished
/// takes over that round's buffers (cleared only where it wrote) instead of allocating O(model) again; the finished
/// aggregator can no longer be used. For a row-sparse embedding table, folding, finishing and clearing cost ∝ the rows
/// sent, not the table.
/// </para>
/// </remarks>
public sealed class FedAvgStrategy : IAggregationStrategy
{
    /// <summary>The config name.</summary>
    public const string StrategyName = "fedavg";

    /// <summary>The parameter key of η.</summary>
    public const string ServerLearningRateKey = "serverLearningRate";

    private readonly CompiledModel _model;
    private readonly double _serverLearningRate;
    private FedAvgAggregator? _last;

    /// <summary>Creates the strategy for a model.</summary>
    public FedAvgStrategy(CompiledModel model, double serverLearningRate = 1)
    {
        ArgumentNullException.ThrowIfNull(model);
        _model = model;
        _serverLearningRate = serverLearningRate;
    }

    /// <inheritdoc />
    public string Name => StrategyName;

    /// <inheritdoc />
    public IRoundAggregator BeginRound(ParameterSet baseModel)
    {
        ArgumentNullException.ThrowIfNull(baseModel);
        var layout = baseModel.Layout;
        if (layout.Fingerprint != _model.Fingerprint && layout.Fingerprint != _model.SharedLayout.Fingerprint)
        {
            throw new ArgumentException($"the base model's layout {layout.Fingerprint} is neither the run's layout {_model.Fingerprint} nor its shared projection", nameof(baseModel));
        }

        // Only a finished round gives its buffers up: one still collecting (another layout, or a caller's own) keeps them.
        var previous = Interlocked.Exchange(ref _last, null);
        var buffers = previous is { Finished: true } && previous.Layout.Fingerprint == layout.Fingerprint
            ? previous.Retire()
            : new FedAvgAccumulator(layout, _model);
        var aggregator = new FedAvgAggregator(baseModel, buffers, _serverLearningRate);
        _last = aggregator;
        return aggregator;
    }
}
