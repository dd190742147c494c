namespace Federated.Model.Metrics;

/// <summary>
/// Identifies the layout of a metric summary's wire form. The numeric value is element 0 of every
/// <see cref="IMetricSummary.ToArray"/> array; a change of layout gets a new value, never a reuse.
/// </summary>
public enum MetricSummaryKind
{
    /// <summary>No summary; never written to the wire.</summary>
    None = 0,

    /// <summary><see cref="BinaryMetricSummary"/>: score histograms per label, counts, log-loss sum.</summary>
    Binary = 1,

    /// <summary><see cref="RegressionMetricSummary"/>: count and sums of errors and labels.</summary>
    Regression = 2,

    /// <summary><see cref="RankingMetricSummary"/>: count and a histogram of held-out ranks below K.</summary>
    Ranking = 3,
}
