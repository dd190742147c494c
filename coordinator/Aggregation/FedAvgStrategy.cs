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
/// </remarks>
public sealed class FedAvgStrategy : IAggregationStrategy
{
    /// <summary>The config name.</summary>
    public const string StrategyName = "fedavg";

    /// <summary>The parameter key of η.</summary>
    public const string ServerLearningRateKey = "serverLearningRate";

    private readonly CompiledModel _model;
    private readonly double _serverLearningRate;

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
    public IRoundAggregator BeginRound(ParameterSet baseModel) => new FedAvgAggregator(baseModel, _model, _serverLearningRate);
}
