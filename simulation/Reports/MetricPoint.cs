namespace Federated.Simulation.Reports;

/// <summary>
/// One figure of an experiment: series (<c>federated</c>, <c>local_only</c> or <c>centralised</c>), round (0 before
/// training; the local-only reference reports its final figure at the last round, the centralised one a figure after
/// every round but the per-client figures at the last only), client
/// (<c>all</c> for the pooled figure, else a client name), task, metric name (<c>auc</c>, <c>rmse</c>, …; with a
/// validation split also <c>val_auc</c>, <c>val_rmse</c>, … for pooled validation figures) and value.
/// </summary>
public sealed record MetricPoint(string Series, int Round, string Client, string Task, string Metric, double Value)
{
    /// <summary>The client name of pooled figures.</summary>
    public const string AllClients = "all";
}
