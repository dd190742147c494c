using Federated.Model.Metrics;

namespace Federated.Model.Tests.Metrics;

public sealed class RegressionMetricSummaryTests
{
    private const double RelativeTolerance = 1e-9;

    [Fact]
    public void RmseMaeAndLabelStatistics_RandomData_MatchPlainComputation()
    {
        var (predictions, labels) = ScoredExamples.Regression(11, 10_000);
        var summary = new RegressionMetricSummary();

        summary.Add(predictions, labels);

        double squared = 0, absolute = 0, labelSum = 0;
        for (var i = 0; i < labels.Length; i++)
        {
            var error = (double)predictions[i] - labels[i];
            squared += error * error;
            absolute += Math.Abs(error);
            labelSum += labels[i];
        }

        var mean = labelSum / labels.Length;
        double variance = 0;
        foreach (var y in labels)
        {
            variance += (y - mean) * (y - mean);
        }

        AssertRelative(Math.Sqrt(squared / labels.Length), summary.Rmse);
        AssertRelative(absolute / labels.Length, summary.Mae);
        AssertRelative(mean, summary.LabelMean);
        AssertRelative(Math.Sqrt(variance / labels.Length), summary.LabelStandardDeviation);
        Assert.Equal(labels.Length, summary.Count);
    }

    [Fact]
    public void Rmse_HandComputedCase_IsExact()
    {
        var summary = new RegressionMetricSummary();

        summary.Add([1f, 2f, 3f, 4f], [2f, 2f, 5f, 4f]);

        Assert.Equal(Math.Sqrt(5.0 / 4), summary.Rmse);
        Assert.Equal(3.0 / 4, summary.Mae);
        Assert.Equal(13.0 / 4, summary.LabelMean);
        Assert.Equal(Math.Sqrt((49.0 / 4) - (169.0 / 16)), summary.LabelStandardDeviation, 1e-15);
    }

    [Fact]
    public void Merge_ThreeShards_EqualsPooledSummary()
    {
        var (predictions, labels) = ScoredExamples.Regression(12, 9_001);
        var pooled = new RegressionMetricSummary();
        pooled.Add(predictions, labels);

        var merged = new RegressionMetricSummary();
        int[] cuts = [0, 3_100, 3_200, predictions.Length];
        for (var s = 2; s >= 0; s--)
        {
            var shard = new RegressionMetricSummary();
            shard.Add(predictions.AsSpan(cuts[s]..cuts[s + 1]), labels.AsSpan(cuts[s]..cuts[s + 1]));
            merged.Merge(shard);
        }

        Assert.Equal(pooled.Count, merged.Count);
        AssertRelative(pooled.SumSquaredError, merged.SumSquaredError, 1e-12);
        AssertRelative(pooled.SumAbsoluteError, merged.SumAbsoluteError, 1e-12);
        AssertRelative(pooled.SumLabel, merged.SumLabel, 1e-12);
        AssertRelative(pooled.SumSquaredLabel, merged.SumSquaredLabel, 1e-12);
    }

    [Fact]
    public void Add_NaNLabels_AreIgnored()
    {
        var withMissing = new RegressionMetricSummary();
        withMissing.Add([1f, float.NaN, 3f, float.PositiveInfinity], [2f, float.NaN, 5f, float.NaN]);
        withMissing.Add(7f, float.NaN);

        var labelledOnly = new RegressionMetricSummary();
        labelledOnly.Add([1f, 3f], [2f, 5f]);

        Assert.Equal(2, withMissing.Count);
        Assert.Equal(labelledOnly.ToArray(), withMissing.ToArray());
    }

    [Fact]
    public void Metrics_EmptySummary_AreNaN()
    {
        var summary = new RegressionMetricSummary();

        Assert.True(double.IsNaN(summary.Rmse));
        Assert.True(double.IsNaN(summary.Mae));
        Assert.True(double.IsNaN(summary.LabelMean));
        Assert.True(double.IsNaN(summary.LabelStandardDeviation));
    }

    [Fact]
    public void Add_Spans_DoNotAllocate()
    {
        var (predictions, labels) = ScoredExamples.Regression(13, 1_000);
        var summary = new RegressionMetricSummary();
        summary.Add(predictions, labels);

        var before = GC.GetAllocatedBytesForCurrentThread();
        summary.Add(predictions, labels);
        summary.Add(predictions[0], labels[0]);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
    }

    [Theory]
    [InlineData(float.NaN, 1f)]
    [InlineData(float.PositiveInfinity, 1f)]
    [InlineData(1f, float.NegativeInfinity)]
    public void Add_NonFiniteValue_ThrowsArgumentException(float prediction, float label)
    {
        var summary = new RegressionMetricSummary();

        Assert.Throws<ArgumentException>(() => summary.Add(prediction, label));
        Assert.Equal(0, summary.Count);
    }

    [Fact]
    public void Add_SpanWithInvalidExample_AddsNothing()
    {
        var summary = new RegressionMetricSummary();

        var error = Assert.Throws<ArgumentException>(() => summary.Add([1f, float.NaN], [1f, 2f]));

        Assert.Contains("index 1", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, summary.Count);
        Assert.Equal(0, summary.SumLabel);
    }

    [Fact]
    public void Add_SpansOfDifferentLengths_Throws()
    {
        Assert.Throws<ArgumentException>(() => new RegressionMetricSummary().Add([1f], [1f, 2f]));
    }

    private static void AssertRelative(double expected, double actual, double tolerance = RelativeTolerance) =>
        Assert.True(
            Math.Abs(expected - actual) <= tolerance * Math.Abs(expected),
            $"Expected {expected:R}, got {actual:R} (relative tolerance {tolerance}).");
}
