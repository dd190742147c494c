namespace Federated.Coordinator.Operations;

/// <summary>One figure of one task's merged metrics: a point of a learning curve.</summary>
/// <param name="Task">Task name.</param>
/// <param name="Kind"><c>train</c> (the round's merged training metrics) or <c>eval</c> (federated evaluation of the version that round produced).</param>
/// <param name="Round">The round (eval: 0 is the initial version).</param>
/// <param name="Figure">The figure's name (<c>auc</c>, <c>logloss</c>, <c>rmse</c>, … as <see cref="Model.Metrics.TaskMetrics.ToFigures"/> names them).</param>
/// <param name="Value">Its value.</param>
public sealed record MetricPoint(string Task, string Kind, long Round, string Figure, double Value);
