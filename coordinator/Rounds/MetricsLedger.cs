using Federated.Model.Metrics;
using Federated.Model.Spec;

namespace Federated.Coordinator.Rounds;

/// <summary>
/// The per-task metric summaries of runs: training summaries merged per round (kept with the open round, stored with its
/// commit) and federated evaluations merged per evaluated version (stored at once). Every merge is first done on copies
/// and checked, so a summary that cannot be merged or stored is refused before anything changes.
/// </summary>
internal static class MetricsLedger
{
    /// <summary>The <see cref="StoredMetric.Kind"/> of training summaries.</summary>
    public const string TrainKind = "train";

    /// <summary>The <see cref="StoredMetric.Kind"/> of federated evaluation summaries.</summary>
    public const string EvalKind = "eval";

    /// <summary>Checks that <paramref name="metrics"/> name known tasks once each, with a summary kind that fits the task.</summary>
    /// <exception cref="RejectionException"><see cref="Rejection.InvalidMetrics"/>.</exception>
    public static void CheckShape(ModelSpec spec, IReadOnlyList<TaskMetrics> metrics)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var metric in metrics)
        {
            var index = spec.TaskIndex(metric.TaskName);
            if (index < 0)
            {
                throw new RejectionException(Rejection.InvalidMetrics, $"metrics for unknown task '{metric.TaskName}'");
            }

            if (!seen.Add(metric.TaskName))
            {
                throw new RejectionException(Rejection.InvalidMetrics, $"metrics for task '{metric.TaskName}' appear twice");
            }

            var expected = spec.Tasks[index].Kind == TaskKind.Binary ? MetricSummaryKind.Binary : MetricSummaryKind.Regression;
            if (metric.Kind != expected && metric.Kind != MetricSummaryKind.Ranking)
            {
                throw new RejectionException(Rejection.InvalidMetrics, $"metrics for task '{metric.TaskName}' are {metric.Kind}, expected {expected}");
            }
        }
    }

    /// <summary>
    /// The round's training summaries with <paramref name="incoming"/> merged in, as new objects; <paramref name="merged"/>
    /// is not changed.
    /// </summary>
    /// <exception cref="RejectionException"><see cref="Rejection.InvalidMetrics"/>: a summary cannot be merged with the round's, or the result cannot be stored.</exception>
    public static SortedDictionary<string, TaskMetrics> MergeTraining(IReadOnlyDictionary<string, TaskMetrics> merged, IReadOnlyList<TaskMetrics> incoming)
    {
        var result = new SortedDictionary<string, TaskMetrics>(StringComparer.Ordinal);
        foreach (var (task, metric) in merged)
        {
            result[task] = metric;
        }

        foreach (var metric in incoming)
        {
            result[metric.TaskName] = result.TryGetValue(metric.TaskName, out var total)
                ? Merge(metric.TaskName, total.ToArray(), metric)
                : Copy(metric);
        }

        return result;
    }

    /// <summary>The round's merged training summaries as rows to store with its commit.</summary>
    public static List<StoredMetric> ForCommit(string runId, long round, long baseVersion, IReadOnlyDictionary<string, TaskMetrics> merged) =>
        merged.Values.Select(m => new StoredMetric(runId, round, baseVersion, m.TaskName, TrainKind, m.ToArray())).ToList();

    /// <summary>
    /// Merges a node's evaluation of <paramref name="version"/> (produced by <paramref name="round"/>) into the stored
    /// evaluation summaries, once per node and version.
    /// </summary>
    /// <returns>False when this node's evaluation of that version was already merged (nothing changed).</returns>
    /// <exception cref="RejectionException"><see cref="Rejection.InvalidMetrics"/>: a summary cannot be merged with the stored one.</exception>
    public static bool MergeEvaluation(IRoundStore store, string runId, long round, long version, string nodeId, IReadOnlyList<TaskMetrics> metrics)
    {
        var rows = new List<StoredMetric>(metrics.Count);
        foreach (var metric in metrics)
        {
            var merged = store.LoadMetric(runId, EvalKind, round, metric.TaskName) is { } existing
                ? Merge(metric.TaskName, existing, metric)
                : Copy(metric);
            rows.Add(new StoredMetric(runId, round, version, metric.TaskName, EvalKind, merged.ToArray()));
        }

        if (!store.TryInsertEvaluation(runId, version, nodeId))
        {
            return false;
        }

        foreach (var row in rows)
        {
            store.SaveMetric(row);
        }

        return true;
    }

    private static TaskMetrics Copy(TaskMetrics metric) => Merge(metric.TaskName, null, metric);

    private static TaskMetrics Merge(string task, double[]? existing, TaskMetrics metric)
    {
        try
        {
            if (existing is null)
            {
                // A copy: the round's summary is merged into later, and the node's object must stay as it was sent.
                return TaskMetrics.FromArray(task, metric.ToArray());
            }

            var total = TaskMetrics.FromArray(task, existing);
            total.Merge(metric);

            // What is stored must read back: a merge that overflows a count or a sum is refused here, not at commit.
            _ = TaskMetrics.FromArray(task, total.ToArray());
            return total;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            // ArgumentException: other bins, kind or K, or a sum that overflowed to infinity; InvalidOperationException:
            // a merged count beyond 2^53, which a double cannot hold exactly.
            throw new RejectionException(Rejection.InvalidMetrics, $"metrics for task '{task}' cannot be merged with the others: {e.Message}", e);
        }
    }
}
