namespace Federated.Model.Metrics;

/// <summary>
/// Reads any metric summary from its wire form, dispatching on element 0 (the
/// <see cref="MetricSummaryKind"/>), so a coordinator can receive and merge summaries without
/// knowing their internals.
/// </summary>
public static class MetricSummaryCodec
{
    /// <summary>Reads a summary of whatever kind element 0 names.</summary>
    /// <param name="values">A wire form produced by <see cref="IMetricSummary.ToArray"/> or <see cref="IMetricSummary.WriteTo"/>.</param>
    /// <returns>A new <see cref="BinaryMetricSummary"/>, <see cref="RegressionMetricSummary"/> or <see cref="RankingMetricSummary"/>.</returns>
    /// <exception cref="ArgumentException">The array is empty, names no known kind, or fails the kind's own checks.</exception>
    public static IMetricSummary FromArray(ReadOnlySpan<double> values)
    {
        if (values.IsEmpty)
        {
            throw new ArgumentException("A metric summary's wire form cannot be empty.", nameof(values));
        }

        return values[0] switch
        {
            (double)MetricSummaryKind.Binary => BinaryMetricSummary.FromArray(values),
            (double)MetricSummaryKind.Regression => RegressionMetricSummary.FromArray(values),
            (double)MetricSummaryKind.Ranking => RankingMetricSummary.FromArray(values),
            _ => throw new ArgumentException(
                $"Element 0 must be a metric summary kind code (1 binary, 2 regression, 3 ranking); got {values[0]}.",
                nameof(values)),
        };
    }
}
