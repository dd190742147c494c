using System.Numerics.Tensors;
using Federated.Model.Spec;

namespace Federated.Model.Metrics;

/// <summary>
/// One mergeable summary per task of a model, fed batch by batch with predictions and labels: a binary task's
/// <see cref="BinaryMetricSummary"/> (predictions are probabilities), a regression task's <see cref="RegressionMetricSummary"/>.
/// </summary>
/// <remarks>Not thread-safe.</remarks>
public sealed class TaskMetricsBuilder
{
    private readonly IReadOnlyList<TaskSpec> _tasks;
    private readonly BinaryMetricSummary?[] _binary;
    private readonly RegressionMetricSummary?[] _regression;

    /// <summary>Creates empty summaries for <paramref name="tasks"/>.</summary>
    /// <param name="tasks">The model's tasks, in its order.</param>
    /// <param name="bins">Histogram bins of each binary summary (its AUC resolution), in [2, <see cref="BinaryMetricSummary.MaxBinCount"/>].</param>
    public TaskMetricsBuilder(IReadOnlyList<TaskSpec> tasks, int bins)
    {
        _tasks = tasks;
        _binary = new BinaryMetricSummary?[tasks.Count];
        _regression = new RegressionMetricSummary?[tasks.Count];
        for (var t = 0; t < tasks.Count; t++)
        {
            if (tasks[t].Kind == TaskKind.Binary)
            {
                _binary[t] = new BinaryMetricSummary(bins);
            }
            else
            {
                _regression[t] = new RegressionMetricSummary();
            }
        }
    }

    /// <summary>Adds examples of task <paramref name="task"/>.</summary>
    /// <param name="task">The task's index in the model's order.</param>
    /// <param name="predictions">Predictions, one per example (binary: probabilities in [0, 1]).</param>
    /// <param name="labels">Labels, as long as <paramref name="predictions"/>.</param>
    public void Add(int task, ReadOnlySpan<float> predictions, ReadOnlySpan<float> labels)
    {
        _binary[task]?.Add(predictions, labels);
        _regression[task]?.Add(predictions, labels);
    }

    /// <summary>
    /// The summaries of an ensemble's mean prediction: <paramref name="sums"/> (per task, the members' predictions summed
    /// row by row) divided by <paramref name="members"/> in place, against <paramref name="labels"/>.
    /// </summary>
    /// <param name="tasks">The model's tasks, in its order.</param>
    /// <param name="bins">Histogram bins of each binary summary.</param>
    /// <param name="sums">Per task, the summed predictions; overwritten with their mean.</param>
    /// <param name="members">How many predictions each sum holds, ≥ 1.</param>
    /// <param name="labels">Per task, the rows' labels, as long as the sums.</param>
    public static IReadOnlyList<TaskMetrics> OfMean(IReadOnlyList<TaskSpec> tasks, int bins, float[][] sums, int members, float[][] labels)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(members, 1);
        var builder = new TaskMetricsBuilder(tasks, bins);
        for (var t = 0; t < tasks.Count; t++)
        {
            TensorPrimitives.Divide(sums[t], members, sums[t]);
            builder.Add(t, sums[t], labels[t]);
        }

        return builder.ToMetrics();
    }

    /// <summary>The summaries, one per task in the model's order.</summary>
    public IReadOnlyList<TaskMetrics> ToMetrics()
    {
        var metrics = new TaskMetrics[_tasks.Count];
        for (var t = 0; t < metrics.Length; t++)
        {
            metrics[t] = _binary[t] is { } b ? new TaskMetrics(_tasks[t].Name, b) : new TaskMetrics(_tasks[t].Name, _regression[t]!);
        }

        return metrics;
    }
}
