using Federated.Model.Metrics;
using Federated.Model.Spec;
using Federated.Simulation.Reports;

namespace Federated.Simulation.Engine;

/// <summary>Turns mergeable task summaries into report points: merging (in client order, so results do not depend on workers) and naming the figures.</summary>
internal static class MetricRecorder
{
    /// <summary>Figures reported per task kind, headline first.</summary>
    public static IReadOnlyList<string> MetricsOf(TaskSpec task) => task.Kind == TaskKind.Binary ? ["auc", "logloss"] : ["rmse", "mae"];

    /// <summary>Task name → reported figures, in the model's task order.</summary>
    public static Dictionary<string, IReadOnlyList<string>> MetricsOf(ModelSpec spec) =>
        spec.Tasks.ToDictionary(t => t.Name, MetricsOf, StringComparer.Ordinal);

    /// <summary>The exact pooled summaries: each task's summaries merged over clients in index order.</summary>
    public static TaskMetrics[] Merge(ModelSpec spec, IEnumerable<IReadOnlyList<TaskMetrics>?> perClient, int bins)
    {
        var merged = spec.Tasks.Select(t => t.Kind == TaskKind.Binary
            ? new TaskMetrics(t.Name, new BinaryMetricSummary(bins))
            : new TaskMetrics(t.Name, new RegressionMetricSummary())).ToArray();
        foreach (var metrics in perClient)
        {
            if (metrics is null)
            {
                continue;
            }

            for (var t = 0; t < merged.Length; t++)
            {
                merged[t].Merge(metrics[t]);
            }
        }

        return merged;
    }

    /// <summary>Prefix of validation figures' metric names in the report's points (<c>val_rmse</c>, <c>val_auc</c>, …).</summary>
    public const string ValidationPrefix = "val_";

    /// <summary>Adds the reported figures of pooled validation summaries as points named <c>val_METRIC</c>, client <c>all</c>.</summary>
    public static void RecordValidation(ExperimentReport report, string series, int round, IReadOnlyList<TaskMetrics> metrics)
    {
        foreach (var task in metrics)
        {
            if (!report.TaskMetrics.TryGetValue(task.TaskName, out var names))
            {
                continue;
            }

            var figures = task.ToFigures();
            foreach (var name in names)
            {
                if (figures.TryGetValue(name, out var value))
                {
                    report.Points.Add(new MetricPoint(series, round, MetricPoint.AllClients, task.TaskName, ValidationPrefix + name, value));
                }
            }
        }
    }

    /// <summary>Adds the reported figures of <paramref name="metrics"/> (those defined) as points.</summary>
    public static void Record(ExperimentReport report, string series, int round, string client, IReadOnlyList<TaskMetrics> metrics)
    {
        foreach (var task in metrics)
        {
            if (!report.TaskMetrics.TryGetValue(task.TaskName, out var names))
            {
                continue;
            }

            var figures = task.ToFigures();
            foreach (var name in names)
            {
                if (figures.TryGetValue(name, out var value))
                {
                    report.Points.Add(new MetricPoint(series, round, client, task.TaskName, name, value));
                }
            }
        }
    }
}
