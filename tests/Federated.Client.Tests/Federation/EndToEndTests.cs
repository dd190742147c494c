using Federated.Client.Federation;
using Federated.Coordinator.Rounds;
using Federated.Model.Metrics;
using Federated.Model.Parameters;
using Federated.Model.Spec;

namespace Federated.Client.Tests.Federation;

/// <summary>A coordinator and three nodes over real gRPC on loopback.</summary>
public sealed class EndToEndTests
{
    [Fact]
    public async Task RunAsync_ThreeNodesThreeRounds_EveryTaskImprovesAndOnlySharedTensorsArrive()
    {
        using var scenario = new FederationScenario();
        await using var coordinator = await LoopbackCoordinator.StartAsync(scenario.CoordinatorDirectory);
        var run = coordinator.StartRun(FederationScenario.RunConfig());

        var summaries = await Task.WhenAll(Enumerable.Range(0, 3).Select(k => Task.Run(async () =>
        {
            using var connection = new GrpcCoordinatorConnection(coordinator.Address, coordinator.IssueToken($"inst{k}"));
            var runner = new NodeRunner(connection, scenario.LoadData(k), FederationScenario.RunnerOptions(scenario.StateDirectories[k]));
            return await runner.RunAsync();
        })));

        Assert.All(summaries, s => Assert.True(s.Completed));
        Assert.All(summaries, s => Assert.Equal(3, s.RoundsTrained));
        Assert.All(summaries, s => Assert.Equal(3, s.ModelVersion));
        var rounds = coordinator.Engine.ListRounds(run.RunId).Where(r => r.State == RoundState.Committed).ToList();
        Assert.Equal(3, rounds.Count);
        Assert.All(rounds, r => Assert.Equal(3, r.Updates));

        // Federated evaluation merged from the nodes: version 0 (round 0) against the final version (round 3).
        var eval = coordinator.Engine.GetMetrics(run.RunId).Where(m => m.Kind == "eval").ToList();
        double Figure(long round, string task, string name) =>
            TaskMetrics.FromArray(task, eval.Single(m => m.Round == round && m.Task == task).Summary).ToFigures()[name];
        Assert.True(Figure(3, "rating", "rmse") < Figure(0, "rating", "rmse"), $"rating RMSE {Figure(0, "rating", "rmse")} -> {Figure(3, "rating", "rmse")}");
        Assert.True(Figure(3, "like", "auc") > Figure(0, "like", "auc"), $"like AUC {Figure(0, "like", "auc")} -> {Figure(3, "like", "auc")}");
        Assert.True(Figure(3, "like", "logloss") < Figure(0, "like", "logloss"));

        // What arrived on the wire: shared tensors only, every one of them, embeddings row-sparse.
        var layout = ParameterLayout.FromSpec(SyntheticData.Spec());
        var arrived = coordinator.Recorder.Chunks.ToList();
        Assert.NotEmpty(arrived);
        Assert.All(arrived, c => Assert.Equal(ParameterScope.Shared, layout[c.Tensor].Scope));
        Assert.Equal(
            layout.InScope(ParameterScope.Shared).Select(t => t.Name).Order(StringComparer.Ordinal),
            arrived.Select(c => c.Tensor).Distinct().Order(StringComparer.Ordinal));
        Assert.All(arrived.Where(c => c.Tensor.StartsWith("emb/", StringComparison.Ordinal)), c => Assert.True(c.Sparse));
        Assert.DoesNotContain(arrived, c => c.Tensor == "emb/user" || c.Tensor.StartsWith("tower/", StringComparison.Ordinal));

        // Every header counts every task's labelled examples.
        Assert.All(coordinator.Recorder.Headers, h => Assert.Equal(["rating", "like"], h.TaskExamples.Select(t => t.Task)));
        Assert.All(coordinator.Recorder.Headers, h => Assert.True(h.TaskExamples.All(t => t.Count > 0) && h.Examples > 0));
    }

    [Fact]
    public async Task RunAsync_NodeStoppedAfterRoundOneAndRestarted_ResumesWithItsLocalState()
    {
        using var scenario = new FederationScenario();
        await using var coordinator = await LoopbackCoordinator.StartAsync(scenario.CoordinatorDirectory);
        var run = coordinator.StartRun(FederationScenario.RunConfig());
        var tokens = Enumerable.Range(0, 3).Select(k => coordinator.IssueToken($"inst{k}")).ToArray();

        using var stop = new CancellationTokenSource();
        var stopping = new SyncProgress(p =>
        {
            if (p.Kind == NodeProgressKind.Submitted && p.Round == 1)
            {
                stop.Cancel();
            }
        });

        Task<NodeRunSummary> Node(int k, IProgress<NodeProgress>? progress = null, CancellationToken token = default) => Task.Run(async () =>
        {
            using var connection = new GrpcCoordinatorConnection(coordinator.Address, tokens[k]);
            return await new NodeRunner(connection, scenario.LoadData(k), FederationScenario.RunnerOptions(scenario.StateDirectories[k]), progress).RunAsync(token);
        });

        var others = new[] { Node(0), Node(1) };
        var first = await Node(2, stopping, stop.Token);

        Assert.False(first.Completed);
        Assert.Equal(1, first.RoundsTrained);
        Assert.Null(first.ResumedFromRound);
        Assert.Contains(stopping.Reports, p => p.Kind == NodeProgressKind.Stopped);
        var saved = File.ReadAllBytes(Path.Combine(scenario.StateDirectories[2], "local-state.bin"));
        Assert.False(others.Any(t => t.IsCompleted), "the run cannot go on without the third node (minClients 3)");

        var resumed = new SyncProgress();
        var second = await Node(2, resumed);
        var rest = await Task.WhenAll(others);

        Assert.True(second.Completed);
        Assert.Equal(1, second.ResumedFromRound);
        Assert.Equal(2, second.RoundsTrained);
        Assert.Contains(resumed.Reports, p => p.Kind == NodeProgressKind.Resumed && p.Round == 1);
        Assert.DoesNotContain(resumed.Reports, p => p.Kind == NodeProgressKind.Trained && p.Round == 1);
        Assert.All(rest, s => Assert.Equal(3, s.RoundsTrained));
        Assert.NotEqual(saved, File.ReadAllBytes(Path.Combine(scenario.StateDirectories[2], "local-state.bin")));
        Assert.Equal(3, coordinator.Engine.ListRounds(run.RunId).Count(r => r.State == RoundState.Committed));
    }

    [Fact]
    public async Task RunAsync_UploadReplyLost_RetriedWithSameIdAndCountedOnce()
    {
        using var scenario = new FederationScenario();
        await using var coordinator = await LoopbackCoordinator.StartAsync(scenario.CoordinatorDirectory);
        var run = coordinator.StartRun(FederationScenario.RunConfig(rounds: 1));
        var delays = new List<TimeSpan>();
        LosingFirstReplyConnection? flaky = null;

        var summaries = await Task.WhenAll(Enumerable.Range(0, 3).Select(k => Task.Run(async () =>
        {
            using var grpc = new GrpcCoordinatorConnection(coordinator.Address, coordinator.IssueToken($"inst{k}"));
            ICoordinatorConnection connection = grpc;
            if (k == 0)
            {
                connection = flaky = new LosingFirstReplyConnection(grpc);
            }

            return await new NodeRunner(connection, scenario.LoadData(k), FederationScenario.RunnerOptions(scenario.StateDirectories[k], k == 0 ? delays : null)).RunAsync();
        })));

        Assert.All(summaries, s => Assert.True(s.Completed));
        Assert.NotNull(flaky);
        Assert.Equal(2, flaky.UploadIds.Count);
        Assert.Equal(flaky.UploadIds[0], flaky.UploadIds[1]);
        Assert.Equal(UploadId.For("inst0", run.RunId, 1, 0), flaky.UploadIds[0]);
        Assert.False(flaky.Results[0].Duplicate);
        Assert.True(flaky.Results[1].Duplicate);
        Assert.Equal([TimeSpan.FromSeconds(0.75)], delays);
        Assert.Equal(2, coordinator.Recorder.Headers.Count(h => h.NodeId == "inst0"));
        var round = coordinator.Engine.ListRounds(run.RunId).Single(r => r.Round == 1);
        Assert.Equal(RoundState.Committed, round.State);
        Assert.Equal(3, round.Updates);
    }
}
