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

    [Fact]
    public void OfMean_SumsOfTwoMembers_FiguresOfTheirMean()
    {
        float[][] sums = [[1.2f, 0.6f], [6f, 4f]];

        var metrics = TaskMetricsBuilder.OfMean(Tasks, bins: 100, sums, members: 2, [[1, 0], [3, 1]]);

        Assert.Equal([0.6f, 0.3f], sums[0]);
        Assert.Equal(Math.Sqrt(((3.0 - 3) * (3.0 - 3) + (2.0 - 1) * (2.0 - 1)) / 2), metrics[1].ToFigures()["rmse"], 1e-9);
        Assert.Equal(1.0, metrics[0].ToFigures()["auc"], 1e-9);
        Assert.Throws<ArgumentOutOfRangeException>(() => TaskMetricsBuilder.OfMean(Tasks, 100, sums, 0, sums));
    }
}
