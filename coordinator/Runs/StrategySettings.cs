namespace Federated.Coordinator.Runs;

/// <summary>The aggregation strategy of a run and its numeric parameters.</summary>
public sealed record StrategySettings
{
    /// <summary>Strategy name, e.g. <c>fedavg</c>. Default <c>fedavg</c>.</summary>
    public string Name { get; set; } = "fedavg";

    /// <summary>Strategy parameters by name (e.g. <c>serverLearningRate</c> for FedAvg). Default none.</summary>
    public IReadOnlyDictionary<string, double> Parameters { get; set; } = new Dictionary<string, double>(StringComparer.Ordinal);
}
