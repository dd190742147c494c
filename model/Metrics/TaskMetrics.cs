using System.Globalization;

namespace Federated.Model.Metrics;

/// <summary>
/// The evaluation summary of one task: its name and one mergeable summary (binary, regression, or
/// ranking), with the named figures that reports and JSON summaries show.
/// </summary>
/// <remarks>
/// Figures by kind — binary: <c>count</c>, <c>positives</c>, <c>positive_rate</c>, <c>logloss</c>,
/// <c>auc</c>; regression: <c>count</c>, <c>rmse</c>, <c>mae</c>, <c>label_mean</c>, <c>label_std</c>;
/// ranking: <c>count</c>, <c>hr@K</c>, <c>ndcg@K</c> (K written out, e.g. <c>hr@10</c>). A figure that is
/// undefined (NaN: no examples, or AUC with a single class) is left out, so the dictionary is always
/// valid JSON. Not thread-safe: <see cref="Merge"/> mutates the held summary.
/// </remarks>
public sealed class TaskMetrics
{
    /// <summary>Holds a binary task's summary.</summary>
    /// <param name="taskName">The task's name, non-blank; merging requires equal names (ordinal).</param>
    /// <param name="summary">The summary, held by reference (not copied).</param>
    public TaskMetrics(string taskName, BinaryMetricSummary summary)
        : this(taskName, (IMetricSummary)summary)
    {
    }

    /// <summary>Holds a regression task's summary.</summary>
    /// <param name="taskName">The task's name, non-blank; merging requires equal names (ordinal).</param>
    /// <param name="summary">The summary, held by reference (not copied).</param>
    public TaskMetrics(string taskName, RegressionMetricSummary summary)
        : this(taskName, (IMetricSummary)summary)
    {
    }

    /// <summary>Holds a ranking (top-K) evaluation's summary.</summary>
    /// <param name="taskName">The task's name, non-blank; merging requires equal names (ordinal).</param>
    /// <param name="summary">The summary, held by reference (not copied).</param>
    public TaskMetrics(string taskName, RankingMetricSummary summary)
        : this(taskName, (IMetricSummary)summary)
    {
    }

    private TaskMetrics(string taskName, IMetricSummary summary)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(taskName);
        ArgumentNullException.ThrowIfNull(summary);
        TaskName = taskName;
        Summary = summary;
    }

    /// <summary>The task's name.</summary>
    public string TaskName { get; }

    /// <summary>The held summary: a <see cref="BinaryMetricSummary"/>, <see cref="RegressionMetricSummary"/> or <see cref="RankingMetricSummary"/>.</summary>
    public IMetricSummary Summary { get; }

    /// <summary>The kind of the held summary.</summary>
    public MetricSummaryKind Kind => Summary.Kind;

    /// <summary>Reads a task's metrics from a name and a summary's wire form.</summary>
    /// <param name="taskName">The task's name, non-blank.</param>
    /// <param name="values">The summary's wire form (see <see cref="MetricSummaryCodec.FromArray"/>).</param>
    /// <exception cref="ArgumentException">The name is blank or the wire form is invalid.</exception>
    public static TaskMetrics FromArray(string taskName, ReadOnlySpan<double> values) =>
        new(taskName, MetricSummaryCodec.FromArray(values));

    /// <summary>Returns the held summary's wire form.</summary>
    public double[] ToArray() => Summary.ToArray();

    /// <summary>Adds <paramref name="other"/>'s summary to this one's.</summary>
    /// <param name="other">Metrics of the same task (ordinal name), kind and configuration.</param>
    /// <exception cref="ArgumentException">The names, kinds, bin counts or K differ.</exception>
    public void Merge(TaskMetrics other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (!string.Equals(other.TaskName, TaskName, StringComparison.Ordinal))
        {
            throw new ArgumentException(
                $"Cannot merge metrics of task '{other.TaskName}' into metrics of task '{TaskName}'.", nameof(other));
        }

        Summary.Merge(other.Summary);
    }

    /// <summary>Returns the named figures of the held summary (see remarks); undefined figures are left out.</summary>
    public IReadOnlyDictionary<string, double> ToFigures()
    {
        var figures = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["count"] = Summary.Count,
        };

        switch (Summary)
        {
            case BinaryMetricSummary binary:
                figures["positives"] = binary.Positives;
                AddDefined(figures, "positive_rate", binary.PositiveRate);
                AddDefined(figures, "logloss", binary.LogLoss);
                AddDefined(figures, "auc", binary.Auc);
                break;
            case RegressionMetricSummary regression:
                AddDefined(figures, "rmse", regression.Rmse);
                AddDefined(figures, "mae", regression.Mae);
                AddDefined(figures, "label_mean", regression.LabelMean);
                AddDefined(figures, "label_std", regression.LabelStandardDeviation);
                break;
            case RankingMetricSummary ranking:
                var k = ranking.K.ToString(CultureInfo.InvariantCulture);
                AddDefined(figures, "hr@" + k, ranking.HitRate);
                AddDefined(figures, "ndcg@" + k, ranking.Ndcg);
                break;
        }

        return figures;
    }

    private static void AddDefined(Dictionary<string, double> figures, string name, double value)
    {
        if (!double.IsNaN(value))
        {
            figures[name] = value;
        }
    }
}
