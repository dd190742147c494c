using Federated.Model.Metrics;

namespace Federated.Model.Tests.Metrics;

public sealed class BinaryMetricSummaryTests
{
    [Theory]
    [InlineData(1, 1.5)]
    [InlineData(2, 0.5)]
    [InlineData(3, 4.0)]
    public void Auc_ScoresCorrelatedWithLabels_MatchesSortedAucWithin1e3(int seed, double separation)
    {
        var (probabilities, labels) = ScoredExamples.Binary(seed, 10_000, separation);
        var summary = new BinaryMetricSummary();

        summary.Add(probabilities, labels);

        var exact = SortedAuc.Compute(probabilities, labels);
        Assert.InRange(exact, 0.55, 0.999);
        Assert.Equal(exact, summary.Auc, 1e-3);
    }

    [Fact]
    public void Auc_ScoresTiedOnBinCentres_EqualsSortedAuc()
    {
        float[] levels = [0.05f, 0.45f, 0.55f, 0.95f];
        var (probabilities, labels) = ScoredExamples.Binary(4, 5_000);
        for (var i = 0; i < probabilities.Length; i++)
        {
            probabilities[i] = levels[Math.Min((int)(probabilities[i] * levels.Length), levels.Length - 1)];
        }

        var summary = new BinaryMetricSummary(binCount: 20);
        summary.Add(probabilities, labels);

        Assert.Equal(SortedAuc.Compute(probabilities, labels), summary.Auc, 1e-12);
    }

    [Fact]
    public void Auc_PerfectClassifier_IsOne()
    {
        var summary = new BinaryMetricSummary();
        summary.Add([0.9f, 0.8f, 0.7f, 0.3f, 0.2f, 0.1f], [1f, 1f, 1f, 0f, 0f, 0f]);

        Assert.Equal(1.0, summary.Auc);
    }

    [Fact]
    public void Auc_InverseClassifier_IsZero()
    {
        var summary = new BinaryMetricSummary();
        summary.Add([0.9f, 0.8f, 0.7f, 0.3f, 0.2f, 0.1f], [0f, 0f, 0f, 1f, 1f, 1f]);

        Assert.Equal(0.0, summary.Auc);
    }

    [Fact]
    public void Auc_ScoresIndependentOfLabels_IsNearHalf()
    {
        var (probabilities, labels) = ScoredExamples.Binary(5, 20_000, separation: 0);
        var summary = new BinaryMetricSummary();

        summary.Add(probabilities, labels);

        Assert.Equal(0.5, summary.Auc, 0.02);
    }

    [Fact]
    public void Auc_AllScoresInOneBin_IsHalf()
    {
        var summary = new BinaryMetricSummary();
        summary.Add([0.5f, 0.5f, 0.5f], [1f, 0f, 1f]);

        Assert.Equal(0.5, summary.Auc);
    }

    [Theory]
    [InlineData(1f)]
    [InlineData(0f)]
    public void Auc_OneClassOnly_IsNaN(float label)
    {
        var summary = new BinaryMetricSummary();
        summary.Add([0.1f, 0.6f, 0.9f], [label, label, label]);

        Assert.True(double.IsNaN(summary.Auc));
        Assert.Equal(3, summary.Count);
    }

    [Fact]
    public void Metrics_EmptySummary_AreNaN()
    {
        var summary = new BinaryMetricSummary();

        Assert.Equal(0, summary.Count);
        Assert.True(double.IsNaN(summary.Auc));
        Assert.True(double.IsNaN(summary.LogLoss));
        Assert.True(double.IsNaN(summary.PositiveRate));
    }

    [Fact]
    public void Merge_ThreeShards_EqualsPooledSummary()
    {
        var (probabilities, labels) = ScoredExamples.Binary(6, 9_001, missingRate: 0.05);
        var pooled = new BinaryMetricSummary();
        pooled.Add(probabilities, labels);

        var shards = new[] { new BinaryMetricSummary(), new BinaryMetricSummary(), new BinaryMetricSummary() };
        int[] cuts = [0, 2_000, 6_500, probabilities.Length];
        for (var s = 0; s < 3; s++)
        {
            shards[s].Add(probabilities.AsSpan(cuts[s]..cuts[s + 1]), labels.AsSpan(cuts[s]..cuts[s + 1]));
        }

        var merged = new BinaryMetricSummary();
        merged.Merge(shards[2]);
        merged.Merge(shards[0]);
        merged.Merge(shards[1]);

        Assert.Equal(pooled.Count, merged.Count);
        Assert.Equal(pooled.Positives, merged.Positives);
        Assert.True(pooled.PositiveHistogram.SequenceEqual(merged.PositiveHistogram));
        Assert.True(pooled.NegativeHistogram.SequenceEqual(merged.NegativeHistogram));
        Assert.Equal(pooled.Auc, merged.Auc);
        Assert.Equal(pooled.LogLoss, merged.LogLoss, 1e-12);
    }

    [Fact]
    public void Merge_DifferentBinCounts_Throws()
    {
        var summary = new BinaryMetricSummary(100);

        var error = Assert.Throws<ArgumentException>(() => summary.Merge(new BinaryMetricSummary(200)));
        Assert.Contains("200 bins", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Add_NaNLabels_AreIgnored()
    {
        var withMissing = new BinaryMetricSummary();
        withMissing.Add([0.2f, float.NaN, 0.7f, 5f, 0.4f], [0f, float.NaN, 1f, float.NaN, 1f]);
        withMissing.Add(0.9f, float.NaN);

        var labelledOnly = new BinaryMetricSummary();
        labelledOnly.Add([0.2f, 0.7f, 0.4f], [0f, 1f, 1f]);

        Assert.Equal(3, withMissing.Count);
        Assert.Equal(labelledOnly.ToArray(), withMissing.ToArray());
    }

    [Fact]
    public void LogLoss_RandomData_MatchesPlainComputation()
    {
        var (probabilities, labels) = ScoredExamples.Binary(7, 10_000);
        var summary = new BinaryMetricSummary();

        summary.Add(probabilities, labels);

        double sum = 0;
        for (var i = 0; i < labels.Length; i++)
        {
            double p = probabilities[i];
            sum -= labels[i] == 1f ? Math.Log(p) : Math.Log(1 - p);
        }

        Assert.Equal(sum / labels.Length, summary.LogLoss, 1e-12);
    }

    [Fact]
    public void LogLoss_ConfidentWrongPredictions_AreClamped()
    {
        var summary = new BinaryMetricSummary();

        summary.Add([0f, 1f], [1f, 0f]);

        Assert.Equal(-Math.Log(1e-7), summary.LogLoss, 1e-9);
    }

    [Fact]
    public void PositiveRate_MixedLabels_IsFractionOfPositives()
    {
        var summary = new BinaryMetricSummary();

        summary.Add([0.1f, 0.2f, 0.3f, 0.4f], [1f, 0f, 0f, 0f]);

        Assert.Equal(0.25, summary.PositiveRate);
        Assert.Equal(1, summary.Positives);
        Assert.Equal(3, summary.Negatives);
    }

    [Theory]
    [InlineData(0f, 0)]
    [InlineData(0.5f, 5)]
    [InlineData(0.0999f, 0)]
    [InlineData(1f, 9)]
    public void Add_Probability_FallsInUniformBin(float probability, int expectedBin)
    {
        var summary = new BinaryMetricSummary(binCount: 10);

        summary.Add(probability, 1f);

        Assert.Equal(1, summary.PositiveHistogram[expectedBin]);
    }

    [Fact]
    public void Add_Spans_DoNotAllocate()
    {
        var (probabilities, labels) = ScoredExamples.Binary(8, 1_000, missingRate: 0.1);
        var summary = new BinaryMetricSummary();
        summary.Add(probabilities, labels);

        var before = GC.GetAllocatedBytesForCurrentThread();
        summary.Add(probabilities, labels);
        summary.Add(probabilities[0], labels[0]);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
    }

    [Theory]
    [InlineData(-0.01f, 1f)]
    [InlineData(1.01f, 0f)]
    [InlineData(float.NaN, 1f)]
    [InlineData(0.5f, 0.5f)]
    [InlineData(0.5f, 2f)]
    [InlineData(0.5f, float.PositiveInfinity)]
    public void Add_InvalidExample_ThrowsArgumentException(float probability, float label)
    {
        var summary = new BinaryMetricSummary();

        Assert.ThrowsAny<ArgumentException>(() => summary.Add(probability, label));
        Assert.Equal(0, summary.Count);
    }

    [Fact]
    public void Add_SpanWithInvalidExample_AddsNothing()
    {
        var summary = new BinaryMetricSummary();

        var error = Assert.Throws<ArgumentException>(() => summary.Add([0.1f, 0.2f, 1.5f], [0f, 1f, 1f]));

        Assert.Contains("index 2", error.Message, StringComparison.Ordinal);
        Assert.Equal("probabilities", error.ParamName);
        Assert.Equal(0, summary.Count);
        Assert.Equal(0, summary.LogLossSum);
        Assert.DoesNotContain(summary.PositiveHistogram.ToArray(), c => c != 0);
    }

    [Fact]
    public void Add_SpansOfDifferentLengths_Throws()
    {
        var summary = new BinaryMetricSummary();

        Assert.Throws<ArgumentException>(() => summary.Add([0.1f, 0.2f], [0f]));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(0)]
    [InlineData(-5)]
    [InlineData(BinaryMetricSummary.MaxBinCount + 1)]
    public void Constructor_BinCountOutOfRange_Throws(int binCount)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new BinaryMetricSummary(binCount));
    }

    [Fact]
    public void RecallAndPrecision_KnownScores_CountPredictionsAtOrAboveHalf()
    {
        var summary = new BinaryMetricSummary();
        summary.Add([0.9f, 0.6f, 0.2f, 0.7f, 0.1f, 0.5f], [1f, 1f, 1f, 0f, 0f, 0f]);

        // Predicted positive (p ≥ 0.5): 0.9 and 0.6 (positives), 0.7 and 0.5 (negatives).
        Assert.Equal(2.0 / 3, summary.Recall(0.5), 1e-12);
        Assert.Equal(0.5, summary.Precision(0.5), 1e-12);
        Assert.Equal(1.0, summary.Recall(0), 1e-12);
        Assert.True(double.IsNaN(summary.Precision(1)));
    }

    [Fact]
    public void MeanPrediction_SeededScores_MatchesExactMeanWithinHalfABin()
    {
        var random = new Random(7);
        var scores = Enumerable.Range(0, 500).Select(_ => (float)random.NextDouble()).ToArray();
        var labels = scores.Select(p => p > 0.6f ? 1f : 0f).ToArray();
        var summary = new BinaryMetricSummary(binCount: 100);
        summary.Add(scores, labels);

        Assert.Equal(scores.Average(p => (double)p), summary.MeanPrediction, 0.005);
        Assert.True(double.IsNaN(new BinaryMetricSummary().MeanPrediction));
    }
}
