using Federated.Model.Metrics;

namespace Federated.Model.Tests.Metrics;

public sealed class TaskMetricsTests
{
    [Fact]
    public void ToFigures_BinaryTask_ReportsAucLogLossAndCounts()
    {
        var summary = new BinaryMetricSummary();
        summary.Add([0.9f, 0.2f, 0.6f, 0.4f], [1f, 0f, 0f, 1f]);
        var metrics = new TaskMetrics("click", summary);

        var figures = metrics.ToFigures();

        Assert.Equal(MetricSummaryKind.Binary, metrics.Kind);
        Assert.Equal(summary.Auc, figures["auc"]);
        Assert.Equal(summary.LogLoss, figures["logloss"]);
        Assert.Equal(4, figures["count"]);
        Assert.Equal(2, figures["positives"]);
        Assert.Equal(0.5, figures["positive_rate"]);
    }

    [Fact]
    public void ToFigures_RegressionTask_ReportsRmseMaeAndCount()
    {
        var summary = new RegressionMetricSummary();
        summary.Add([1f, 2f], [2f, 4f]);
        var metrics = new TaskMetrics("rating", summary);

        var figures = metrics.ToFigures();

        Assert.Equal(Math.Sqrt(2.5), figures["rmse"]);
        Assert.Equal(1.5, figures["mae"]);
        Assert.Equal(2, figures["count"]);
        Assert.Equal(3, figures["label_mean"]);
        Assert.Equal(1, figures["label_std"]);
    }

    [Fact]
    public void ToFigures_RankingSummary_NamesFiguresWithK()
    {
        var summary = new RankingMetricSummary(k: 10);
        summary.Add([0, 20]);

        var figures = new TaskMetrics("next_item", summary).ToFigures();

        Assert.Equal(0.5, figures["hr@10"]);
        Assert.Equal(0.5, figures["ndcg@10"]);
    }

    [Fact]
    public void ToFigures_UndefinedFigures_AreLeftOut()
    {
        var summary = new BinaryMetricSummary();
        summary.Add(0.3f, 1f);

        var figures = new TaskMetrics("click", summary).ToFigures();

        Assert.False(figures.ContainsKey("auc"));
        Assert.True(figures.ContainsKey("logloss"));
        Assert.DoesNotContain(new TaskMetrics("rating", new RegressionMetricSummary()).ToFigures().Values, double.IsNaN);
    }

    [Fact]
    public void Merge_SameTaskFromTwoNodes_AddsSummaries()
    {
        var first = new BinaryMetricSummary();
        first.Add([0.9f, 0.1f], [1f, 0f]);
        var second = new BinaryMetricSummary();
        second.Add([0.8f, 0.3f, 0.85f], [1f, 0f, 0f]);
        var metrics = new TaskMetrics("click", first);

        metrics.Merge(TaskMetrics.FromArray("click", second.ToArray()));

        Assert.Equal(5, metrics.ToFigures()["count"]);
        Assert.Equal(5.0 / 6, metrics.ToFigures()["auc"], 1e-12);
    }

    [Fact]
    public void Merge_DifferentTaskNames_Throws()
    {
        var metrics = new TaskMetrics("click", new BinaryMetricSummary());

        var error = Assert.Throws<ArgumentException>(() => metrics.Merge(new TaskMetrics("like", new BinaryMetricSummary())));
        Assert.Contains("'like'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Merge_DifferentKinds_Throws()
    {
        var metrics = new TaskMetrics("click", new BinaryMetricSummary());

        Assert.Throws<ArgumentException>(() => metrics.Merge(new TaskMetrics("click", new RegressionMetricSummary())));
    }

    [Fact]
    public void FromArray_WireFormOfTask_RoundTrips()
    {
        var summary = new RegressionMetricSummary();
        summary.Add([1f, 2f], [2f, 4f]);
        var metrics = new TaskMetrics("rating", summary);

        var restored = TaskMetrics.FromArray("rating", metrics.ToArray());

        Assert.Equal("rating", restored.TaskName);
        Assert.Equal(metrics.ToFigures(), restored.ToFigures());
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    public void Constructor_BlankName_Throws(string name)
    {
        Assert.Throws<ArgumentException>(() => new TaskMetrics(name, new RegressionMetricSummary()));
    }
}
