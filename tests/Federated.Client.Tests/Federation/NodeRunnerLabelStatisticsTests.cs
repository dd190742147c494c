using Federated.Client.Federation;
using Federated.Client.Training;
using Federated.Model.Spec;

namespace Federated.Client.Tests.Federation;

/// <summary>A node answers a label-statistics assignment with its training labels' counts and sums, and nothing else.</summary>
public sealed class NodeRunnerLabelStatisticsTests
{
    private static AssignmentOffer Statistics(long round) =>
        new(AssignmentStatus.Assigned, Training.TestPlans.Assignment(round, 0) with { LabelStatisticsTasks = ["rating", "like"] });

    [Fact]
    public async Task RunAsync_LabelStatisticsAssignment_SendsTheTrainingStatisticsWithoutDownloadOrTraining()
    {
        using var directory = new TempDirectory();
        var data = SyntheticData.Write(directory.Path, 1, 20, 16, 10);
        var spec = SyntheticData.Spec() with { Tasks = [.. SyntheticData.Spec().Tasks.Select(t => t with { Scope = ParameterScope.Shared, OutputBiasFromData = true })] };
        var connection = new ScriptedConnection(spec);
        connection.Offers.Enqueue(() => Statistics(1));
        connection.Offers.Enqueue(() =>
        {
            connection.Version = 1;
            return ScriptedConnection.Assigned(2, 1);
        });
        connection.Offers.Enqueue(() => new AssignmentOffer(AssignmentStatus.RunEnded));

        var summary = await new NodeRunner(connection, model => SyntheticData.Load(data, model), FederationScenario.RunnerOptions(Path.Combine(directory.Path, "state"))).RunAsync();

        Assert.Equal(1, summary.RoundsTrained);
        var sent = Assert.Single(connection.LabelStatistics);
        Assert.Equal(1, sent.Round);
        var expected = DataOutputBias.StatisticsOf(SyntheticData.Load(data, spec), ["rating", "like"]);
        Assert.Equal(expected, sent.Statistics);
        Assert.True(expected[0].Statistics.Count > 0);

        // After the statistics the node polls at once: no download of version 0 again, no training, no upload.
        var at = connection.Calls.IndexOf("statistics 1");
        Assert.Equal(["wait", "download 1"], connection.Calls.Skip(at + 1).Take(2));
        Assert.Equal(1, connection.Calls.Count(c => c == "submit"));
    }

    [Fact]
    public async Task RunAsync_LabelStatisticsRefused_ReportedAndNotSentAgainInThatRound()
    {
        using var directory = new TempDirectory();
        var data = SyntheticData.Write(directory.Path, 1, 20, 16, 10);
        var connection = new ScriptedConnection(SyntheticData.Spec());
        connection.Offers.Enqueue(() => Statistics(1));
        connection.Offers.Enqueue(() => Statistics(1));
        connection.Offers.Enqueue(() => Statistics(2));
        connection.Offers.Enqueue(() => new AssignmentOffer(AssignmentStatus.RunEnded));
        connection.StatisticsFailures.Enqueue(new UpdateRejectedException("invalid-label-statistics", "task 'rating': count 5 is outside [0, 4]"));
        var progress = new SyncProgress();

        var summary = await new NodeRunner(connection, model => SyntheticData.Load(data, model), FederationScenario.RunnerOptions(Path.Combine(directory.Path, "state")), progress).RunAsync();

        Assert.True(summary.Completed);
        Assert.Equal([1L, 2L], connection.LabelStatistics.Select(s => s.Round));
        Assert.Contains(progress.Reports, p => p.Kind == NodeProgressKind.Rejected && p.Round == 1 && p.Message.Contains("invalid-label-statistics", StringComparison.Ordinal));
        Assert.Contains(progress.Reports, p => p.Kind == NodeProgressKind.Submitted && p.Round == 2);
        Assert.Empty(connection.Uploads);
    }
}
