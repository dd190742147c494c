using Federated.Model.Metrics;
using Federated.Model.Spec;
using Federated.Simulation.Reports;

namespace Federated.Simulation.Engine;

/// <summary>Turns mergeable task summaries into report points: merging (in client order, so results do not depend on workers) and naming the figures.</summary>
internal static class MetricRecorder
{
    /// <summary>Decision threshold of the recall and precision reported for a binary task trained with a positive weight.</summary>
    public const double DecisionThreshold = 0.5;

    /// <summary>
    /// Figures reported per task kind, headline first. A binary task trained with a positive weight also reports its
    /// calibration and decisions: the base rate (<c>positive_rate</c>), the mean predicted probability
    /// (<c>mean_prediction</c>) and recall and precision at p ≥ 0.5, since re-weighting moves exactly these while AUC
    /// barely changes. Other tasks report what they always did, so runs without the option keep their report.
    /// </summary>
    public static IReadOnlyList<string> MetricsOf(TaskSpec task) => task.Kind switch
    {
        TaskKind.Binary when task.PositiveWeight is not null => ["auc", "logloss", "positive_rate", "mean_prediction", "recall@0.5", "precision@0.5"],
        TaskKind.Binary => ["auc", "logloss"],
        _ => ["rmse", "mae"],
    };

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

            var figures = FiguresOf(task, names);
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

            var figures = FiguresOf(task, names);
            foreach (var name in names)
            {
                if (figures.TryGetValue(name, out var value))
                {
                    report.Points.Add(new MetricPoint(series, round, client, task.TaskName, name, value));
                }
            }
        }
    }

    /// <summary><see cref="TaskMetrics.ToFigures"/> and, for a binary summary, the calibration figures of <see cref="MetricsOf(TaskSpec)"/>.</summary>
    /// <remarks>Each calibration figure is a pass over the histogram, so it is computed only when <paramref name="names"/> asks for it.</remarks>
    private static IReadOnlyDictionary<string, double> FiguresOf(TaskMetrics task, IReadOnlyList<string> names)
    {
        var figures = task.ToFigures();
        if (task.Summary is not BinaryMetricSummary binary || !names.Contains("mean_prediction"))
        {
            return figures;
        }

        var all = new Dictionary<string, double>(figures, StringComparer.Ordinal);
        foreach (var (name, value) in new[] { ("mean_prediction", binary.MeanPrediction), ("recall@0.5", binary.Recall(DecisionThreshold)), ("precision@0.5", binary.Precision(DecisionThreshold)) })
        {
            if (!double.IsNaN(value))
            {
                all[name] = value;
            }
        }

        return all;
    }
}
