using Federated.Simulation.Reports;

namespace Federated.Simulation.Tests.Reports;

public sealed class SelectedFigureAveragingTests
{
    [Fact]
    public void Average_FoldsWithDifferentWinningRounds_AveragesEachFoldsChosenFigure()
    {
        var one = Fold(bestRound: 1, [0.95, 0.97]);
        var two = Fold(bestRound: 2, [0.99, 0.93]);

        var average = ReportAverager.Average([one, two], "mean", "test");

        // Fold one chose round 1 (0.95), fold two round 2 (0.93): not the mean of any one round.
        Assert.Equal(0.94, average.Final(ExperimentSeries.Federated, "rating", "rmse"), 12);
        Assert.Equal("fold 1: round 1; fold 2: round 2", average.Selection[ExperimentSeries.Federated]);
    }

    private static ExperimentReport Fold(int bestRound, double[] rmse)
    {
        var report = new ExperimentReport
        {
            Title = "fold",
            CommandLine = "test",
            Seed = 1,
            Partitioner = "iid",
            Clients = 1,
            Rounds = rmse.Length,
            TaskMetrics = new Dictionary<string, IReadOnlyList<string>> { ["rating"] = ["rmse"] },
        };
        for (var round = 1; round <= rmse.Length; round++)
        {
            report.Points.Add(new MetricPoint(ExperimentSeries.Federated, round, MetricPoint.AllClients, "rating", "rmse", rmse[round - 1]));
        }

        report.SelectRound(ExperimentSeries.Federated, bestRound);
        report.Selection[ExperimentSeries.Federated] = $"round {bestRound}";
        return report;
    }
}
