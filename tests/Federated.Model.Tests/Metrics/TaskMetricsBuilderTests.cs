using Federated.Model.Metrics;
using Federated.Model.Spec;

namespace Federated.Model.Tests.Metrics;

public sealed class TaskMetricsBuilderTests
{
    private static readonly TaskSpec[] Tasks =
    [
        new() { Name = "like", Kind = TaskKind.Binary },
        new() { Name = "rating", Kind = TaskKind.Regression },
    ];

    [Fact]
    public void ToMetrics_BatchesOfBothKinds_SameAsOneSummaryPerTaskFedAtOnce()
    {
        var builder = new TaskMetricsBuilder(Tasks, bins: 100);
        builder.Add(0, [0.9f, 0.2f], [1, 0]);
        builder.Add(1, [4f, 2f], [5, 2]);
        builder.Add(0, [0.6f], [1]);
        builder.Add(1, [3f], [1]);

        var metrics = builder.ToMetrics();

        var binary = new BinaryMetricSummary(100);
        binary.Add([0.9f, 0.2f, 0.6f], [1, 0, 1]);
        var regression = new RegressionMetricSummary();
        regression.Add([4f, 2f, 3f], [5, 2, 1]);
        Assert.Equal(["like", "rating"], metrics.Select(m => m.TaskName));
        Assert.Equal(new TaskMetrics("like", binary).ToArray(), metrics[0].ToArray());
        Assert.Equal(new TaskMetrics("rating", regression).ToArray(), metrics[1].ToArray());
        Assert.Equal(Math.Sqrt(5.0 / 3), metrics[1].ToFigures()["rmse"], 1e-9);
        Assert.Equal(1.0, metrics[0].ToFigures()["auc"], 1e-9);
    }

    [Fact]
    public void ToMetrics_NothingAdded_EmptySummariesNamedForEachTask()
    {
        var metrics = new TaskMetricsBuilder(Tasks, bins: 100).ToMetrics();

        Assert.Equal(["like", "rating"], metrics.Select(m => m.TaskName));
        Assert.All(metrics, m => Assert.Equal(0, m.Summary.Count));
    }
}
