using Federated.Client.Data;
using Federated.Client.Federation;
using Federated.Client.Training;
using Federated.Model.Parameters;

namespace Federated.Client.Tests.Federation;

public sealed class NodeRunnerTests
{
    [Fact]
    public async Task RunAsync_CoordinatorUnreachable_RetriesWithExponentialBackoffThenJoins()
    {
        using var directory = new TempDirectory();
        var data = SyntheticData.Write(directory.Path, 1, 20, 16, 10);
        var connection = new ScriptedConnection(SyntheticData.Spec());
        for (var i = 0; i < 4; i++)
        {
            connection.JoinFailures.Enqueue(new CoordinatorUnavailableException("down"));
        }

        connection.Offers.Enqueue(() => new AssignmentOffer(AssignmentStatus.RunEnded));
        var delays = new List<TimeSpan>();
        var options = FederationScenario.RunnerOptions(Path.Combine(directory.Path, "state"), delays) with { Jitter = () => 0.999999 };

        var summary = await new NodeRunner(connection, model => SyntheticData.Load(data, model), options).RunAsync();

        Assert.True(summary.Completed);
        Assert.Equal([1, 2, 4, 8], delays.Select(d => Math.Round(d.TotalSeconds)));
        Assert.Equal(5 + 1, connection.Calls.Count(c => c == "join"));
    }

    [Fact]
    public async Task RunAsync_PrivateRun_ReportsTheStatedEpsilonAtJoinDownloadAndEnd()
    {
        using var directory = new TempDirectory();
        var data = SyntheticData.Write(directory.Path, 1, 20, 16, 10);
        var connection = new ScriptedConnection(SyntheticData.Spec()) { Privacy = new RunPrivacy(0, 1e-5, 4) };
        connection.Offers.Enqueue(() => ScriptedConnection.Assigned(1, 0) with { Privacy = new RunPrivacy(0, 1e-5, 4) });
        connection.Offers.Enqueue(() =>
        {
            connection.Version = 1;
            connection.Privacy = new RunPrivacy(1.234, 1e-5, 4);
            return ScriptedConnection.Assigned(2, 1) with { Privacy = new RunPrivacy(1.234, 1e-5, 4) };
        });
        connection.Offers.Enqueue(() =>
        {
            connection.Version = 2;
            connection.Privacy = new RunPrivacy(2.5, 1e-5, 4);
            return new AssignmentOffer(AssignmentStatus.RunEnded);
        });
        var progress = new SyncProgress();

        await new NodeRunner(connection, model => SyntheticData.Load(data, model), FederationScenario.RunnerOptions(Path.Combine(directory.Path, "state")), progress).RunAsync();

        var messages = progress.Reports.Select(p => p.Message).ToList();
        Assert.Contains("joined run run-1 as n1 (model version 0; private: ε = 0.00 of 4 at δ = 1e-05)", messages);
        Assert.Contains("downloaded model version 1 (private: ε = 1.23 of 4 at δ = 1e-05 so far)", messages);
        Assert.Contains(messages, m => m.StartsWith("run run-1 ended at model version 2 (ε = 2.50 of 4 at δ = 1e-05); trained ", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(double.NaN, 1e-5)]
    [InlineData(-1, 1e-5)]
    [InlineData(1, 0)]
    [InlineData(1, 1)]
    [InlineData(double.PositiveInfinity, 1e-5)]
    public void From_FiguresOutOfRange_Null(double epsilon, double delta) => Assert.Null(RunPrivacy.From(epsilon, delta, null));

    [Fact]
    public async Task RunAsync_RetriesExhausted_ThrowsUnavailable()
    {
        using var directory = new TempDirectory();
        var connection = new ScriptedConnection(SyntheticData.Spec());
        for (var i = 0; i < 3; i++)
        {
            connection.JoinFailures.Enqueue(new CoordinatorUnavailableException("down"));
        }

        var options = FederationScenario.RunnerOptions(directory.Path) with { MaxRetries = 2 };

        await Assert.ThrowsAsync<CoordinatorUnavailableException>(() => new NodeRunner(connection, _ => throw new InvalidOperationException(), options).RunAsync());
    }

    [Fact]
    public async Task RunAsync_UploadFailsTwice_SameUploadIdEachTime()
    {
        using var directory = new TempDirectory();
        var data = SyntheticData.Write(directory.Path, 1, 20, 16, 10);
        var connection = new ScriptedConnection(SyntheticData.Spec());
        connection.Offers.Enqueue(() => ScriptedConnection.Assigned(1, 0));
        connection.Offers.Enqueue(() => new AssignmentOffer(AssignmentStatus.RunEnded));
        connection.SubmitFailures.Enqueue(new CoordinatorUnavailableException("reset"));
        connection.SubmitFailures.Enqueue(new CoordinatorUnavailableException("reset"));

        var summary = await new NodeRunner(connection, model => SyntheticData.Load(data, model), FederationScenario.RunnerOptions(Path.Combine(directory.Path, "state"))).RunAsync();

        Assert.Equal(3, connection.Uploads.Count);
        Assert.Single(connection.Uploads.Select(u => u.UploadId).Distinct());
        Assert.Single(connection.Uploads.Select(u => u.Update).Distinct());
        Assert.Equal(UploadId.For("n1", "run-1", 1, 0), connection.Uploads[0].UploadId);
        Assert.Equal(1, summary.RoundsTrained);
    }

    [Fact]
    public async Task RunAsync_UpdateRejected_ReportsAndGoesOnToTheNextRound()
    {
        using var directory = new TempDirectory();
        var data = SyntheticData.Write(directory.Path, 1, 20, 16, 10);
        var connection = new ScriptedConnection(SyntheticData.Spec());
        connection.Offers.Enqueue(() => ScriptedConnection.Assigned(1, 0));
        connection.Offers.Enqueue(() => ScriptedConnection.Assigned(2, 0));
        connection.Offers.Enqueue(() => new AssignmentOffer(AssignmentStatus.RunEnded));
        connection.SubmitFailures.Enqueue(new UpdateRejectedException("stale-round", "round 1 is closed"));
        var progress = new SyncProgress();

        var summary = await new NodeRunner(connection, model => SyntheticData.Load(data, model), FederationScenario.RunnerOptions(Path.Combine(directory.Path, "state")), progress).RunAsync();

        Assert.True(summary.Completed);
        Assert.Equal(1, summary.RoundsTrained);
        Assert.Contains(progress.Reports, p => p.Kind == NodeProgressKind.Rejected && p.Round == 1 && p.Message.Contains("stale-round", StringComparison.Ordinal));
        Assert.Contains(progress.Reports, p => p.Kind == NodeProgressKind.Submitted && p.Round == 2);
    }

    [Fact]
    public async Task RunAsync_NewVersionAssigned_DownloadsEvaluatesThenTrains()
    {
        using var directory = new TempDirectory();
        var data = SyntheticData.Write(directory.Path, 1, 20, 16, 10);
        var connection = new ScriptedConnection(SyntheticData.Spec());
        connection.Offers.Enqueue(() => ScriptedConnection.Assigned(1, 0));
        connection.Offers.Enqueue(() =>
        {
            connection.Version = 1;
            return ScriptedConnection.Assigned(2, 1);
        });
        connection.Offers.Enqueue(() =>
        {
            connection.Version = 2;
            return new AssignmentOffer(AssignmentStatus.RunEnded);
        });

        await new NodeRunner(connection, model => SyntheticData.Load(data, model), FederationScenario.RunnerOptions(Path.Combine(directory.Path, "state"))).RunAsync();

        Assert.Equal(
            ["join", "download 0", "evaluate 0", "wait", "submit", "wait", "download 1", "evaluate 1", "submit", "wait", "join", "download 2", "evaluate 2", "leave"],
            connection.Calls);
        Assert.True(File.Exists(Path.Combine(directory.Path, "state", "global-model.bin")));
    }

    [Fact]
    public async Task RunAsync_StoppedWhileWaiting_LeavesAndReportsNotCompleted()
    {
        using var directory = new TempDirectory();
        var data = SyntheticData.Write(directory.Path, 1, 20, 16, 10);
        var connection = new ScriptedConnection(SyntheticData.Spec());
        using var stop = new CancellationTokenSource();
        var progress = new SyncProgress(p =>
        {
            if (p.Kind == NodeProgressKind.Evaluated)
            {
                stop.Cancel();
            }
        });

        var summary = await new NodeRunner(connection, model => SyntheticData.Load(data, model), FederationScenario.RunnerOptions(Path.Combine(directory.Path, "state")), progress).RunAsync(stop.Token);

        Assert.False(summary.Completed);
        Assert.Equal("leave", connection.Calls[^1]);
        Assert.Equal(NodeProgressKind.Stopped, progress.Reports[^1].Kind);
    }

    [Fact]
    public async Task RunAsync_CoordinatorLayoutDiffers_ThrowsBeforeTraining()
    {
        using var directory = new TempDirectory();
        var connection = new ScriptedConnection(SyntheticData.Spec(), fingerprint: "not-this-layout");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => new NodeRunner(connection, _ => throw new InvalidOperationException("no data"), FederationScenario.RunnerOptions(directory.Path)).RunAsync());

        Assert.Contains("not-this-layout", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_Joined_LoadsTheDataForTheJoinsCompiledModel()
    {
        using var directory = new TempDirectory();
        var data = SyntheticData.Write(directory.Path, 1, 20, 16, 10);
        var connection = new ScriptedConnection(SyntheticData.Spec());
        connection.Offers.Enqueue(() => new AssignmentOffer(AssignmentStatus.RunEnded));
        var given = new List<CompiledModel>();
        NodeDataset Load(CompiledModel model)
        {
            given.Add(model);
            return SyntheticData.Load(data, model);
        }

        var summary = await new NodeRunner(connection, Load, FederationScenario.RunnerOptions(Path.Combine(directory.Path, "state"))).RunAsync();

        Assert.True(summary.Completed);
        Assert.Same(connection.Model, Assert.Single(given));
    }

    [Fact]
    public async Task RunAsync_LocalTrainingDiverges_LeavesWithTheDivergenceAndSendsNothing()
    {
        using var directory = new TempDirectory();
        var data = SyntheticData.Write(directory.Path, 1, 20, 16, 10);
        var connection = new ScriptedConnection(SyntheticData.Spec());
        connection.Offers.Enqueue(() => new AssignmentOffer(
            AssignmentStatus.Assigned,
            Training.TestPlans.Assignment(1, 0, p => p with { Optimizer = Federated.Model.Optimization.OptimizerKind.Sgd, LearningRate = 1e30f, BatchSize = 16 })));

        var error = await Assert.ThrowsAsync<ModelDivergedException>(() => new NodeRunner(connection, model => SyntheticData.Load(data, model), FederationScenario.RunnerOptions(Path.Combine(directory.Path, "state"))).RunAsync());

        Assert.Equal(DataPart.Train, error.Part);
        Assert.StartsWith("round 1: the model's ", error.Message, StringComparison.Ordinal);
        Assert.EndsWith("training diverged at the run's learning rate 1E+30 (sgd); the operator can lower training.learningRate in the run config", error.Message, StringComparison.Ordinal);
        Assert.IsType<ModelDivergedException>(error.InnerException);
        Assert.DoesNotContain(connection.Calls, c => c.StartsWith("submit", StringComparison.Ordinal));
        Assert.Equal((LeaveReason.Error, error.Message), Assert.Single(connection.Leaves));
    }

    [Fact]
    public async Task RunAsync_DataEncodedForAnotherModel_LeavesWithErrorAndThrowsDataFormatBeforeTraining()
    {
        using var directory = new TempDirectory();
        var data = SyntheticData.Write(directory.Path, 1, 20, 16, 10);
        var connection = new ScriptedConnection(SyntheticData.Spec());
        connection.Offers.Enqueue(() => ScriptedConnection.Assigned(1, 0));

        var error = await Assert.ThrowsAsync<DataFormatException>(() => new NodeRunner(connection, _ => SyntheticData.Load(data, SyntheticData.Spec(userBuckets: 64)), FederationScenario.RunnerOptions(Path.Combine(directory.Path, "state"))).RunAsync());

        Assert.Contains(connection.Model.Fingerprint, error.Message, StringComparison.Ordinal);
        Assert.Equal(["join", "leave"], connection.Calls);
        Assert.Equal((LeaveReason.Error, error.Message), Assert.Single(connection.Leaves));
    }

    [Fact]
    public void UploadId_SameUpdate_SameIdAndDistinctOtherwise()
    {
        Assert.Equal(UploadId.For("a", "run-1", 3, 2), UploadId.For("a", "run-1", 3, 2));
        Assert.NotEqual(UploadId.For("a", "run-1", 3, 2), UploadId.For("a", "run-1", 3, 3));
        Assert.NotEqual(UploadId.For("a", "run-1", 3, 2), UploadId.For("a", "run-1", 4, 2));
        Assert.NotEqual(UploadId.For("a|b", "c", 1, 0), UploadId.For("a", "b|c", 1, 0));
    }

    [Theory]
    [InlineData(1, 0.0, 0.5)]
    [InlineData(3, 0.0, 2.0)]
    [InlineData(3, 0.999999, 4.0)]
    [InlineData(20, 0.999999, 60.0)]
    public void RetryBackoff_Attempt_DoublesWithJitterUpToTheCap(int attempt, double uniform, double expectedSeconds)
    {
        var delay = RetryBackoff.Delay(attempt, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60), uniform);

        Assert.Equal(expectedSeconds, delay.TotalSeconds, 3);
    }
}
