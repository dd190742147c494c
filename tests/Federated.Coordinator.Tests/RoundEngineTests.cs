using Federated.Coordinator.Nodes;
using Federated.Coordinator.Rounds;
using Federated.Coordinator.Runs;
using Federated.Coordinator.Storage;
using Federated.Model.Metrics;
using Federated.Model.Spec;
using Federated.Model.Updates;
using Microsoft.Extensions.Time.Testing;

namespace Federated.Coordinator.Tests;

public sealed class RoundEngineTests
{
    [Fact]
    public void SubmitUpdate_InMemoryEngine_CommitsAverageOfComputedDeltas()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        using var store = new SqliteStore(":memory:");
        var engine = new RoundEngine(store, time);
        var directory = new NodeDirectory(store, time);
        var run = engine.CreateRun(RunConfig.FromJson(TestSpecs.RunConfig(minClients: 2, rounds: 1)));
        directory.IssueToken("a");
        directory.IssueToken("b");
        engine.Join("a", run.RunId);
        engine.Join("b", run.RunId);
        engine.PollAssignment("b", run.RunId);

        var assignment = engine.PollAssignment("a", run.RunId).Assignment;
        Assert.NotNull(assignment);
        var global = engine.GetModel(run.RunId, assignment.ModelVersion);
        var deltas = new List<ModelDelta>();
        foreach (var (node, step) in new[] { ("a", 0.01f), ("b", 0.03f) })
        {
            var trained = global.Clone();
            for (var i = 0; i < trained.Values.Length; i++)
            {
                trained.Values[i] += step;
            }

            var delta = ModelDelta.Compute(global, trained, ParameterScope.Shared);
            deltas.Add(delta);
            var metrics = new BinaryMetricSummary();
            metrics.Add(0.8f, 1f);
            var outcome = engine.SubmitUpdate(null, new NodeUpdate
            {
                RunId = run.RunId,
                Round = assignment.Round,
                BaseVersion = assignment.ModelVersion,
                NodeId = node,
                UploadId = node + "-1",
                Examples = 100,
                TaskExamples = new Dictionary<string, long> { ["click"] = 100 },
                TrainingMetrics = [new TaskMetrics("click", metrics)],
                Delta = delta,
            });
            Assert.False(outcome.Duplicate);
        }

        var summary = engine.GetRun(run.RunId);
        Assert.Equal(1, summary.ModelVersion);
        Assert.Equal(RunStatus.Completed, summary.Status);
        var next = engine.GetModel(run.RunId, 1);
        foreach (var tensor in global.Layout.Tensors)
        {
            var expected = tensor.Scope == ParameterScope.Shared ? 0.02f : 0f;
            Assert.Equal(global[tensor][0] + expected, next[tensor][0], 5);
        }

        var train = Assert.Single(engine.GetMetrics(run.RunId));
        Assert.Equal("train", train.Kind);
        Assert.Equal(2, TaskMetrics.FromArray("click", train.Summary).Summary.Count);
    }

    [Fact]
    public void PollAssignment_FewerConnectedNodesThanMinClients_NoRoundStarts()
    {
        var time = new FakeTimeProvider();
        using var store = new SqliteStore(":memory:");
        var engine = new RoundEngine(store, time);
        new NodeDirectory(store, time).IssueToken("a");
        var run = engine.CreateRun(RunConfig.FromJson(TestSpecs.RunConfig(minClients: 2)));

        engine.Join("a", run.RunId);
        var poll = engine.PollAssignment("a", run.RunId);

        Assert.Null(poll.Assignment);
        Assert.Equal(0, engine.GetRun(run.RunId).CurrentRound);
    }

    [Fact]
    public void Tick_SelectedNodeSilentPastLiveness_NotSelectedNextRound()
    {
        var time = new FakeTimeProvider();
        using var store = new SqliteStore(":memory:");
        var engine = new RoundEngine(store, time, new RoundEngineOptions { NodeLivenessTimeout = TimeSpan.FromSeconds(90) });
        var directory = new NodeDirectory(store, time);
        foreach (var id in new[] { "a", "b", "c" })
        {
            directory.IssueToken(id);
        }

        var run = engine.CreateRun(RunConfig.FromJson(TestSpecs.RunConfig(minClients: 2, deadlineSeconds: 60)));
        foreach (var id in new[] { "a", "b", "c" })
        {
            engine.Join(id, run.RunId);
            engine.PollAssignment(id, run.RunId);
        }

        Assert.Equal(["a", "b"], engine.ListRounds(run.RunId).Single().Selected);

        time.Advance(TimeSpan.FromSeconds(50));
        engine.PollAssignment("b", run.RunId);
        engine.PollAssignment("c", run.RunId);
        time.Advance(TimeSpan.FromSeconds(50));
        engine.Tick();

        // b missed the deadline too, so it is selectable again from its next poll; a stays silent.
        engine.PollAssignment("b", run.RunId);
        var rounds = engine.ListRounds(run.RunId);
        Assert.Equal(RoundState.Failed, rounds[0].State);
        Assert.Equal(["b", "c"], rounds[1].Selected);
    }

    [Fact]
    public async Task WaitForAssignmentAsync_RoundStartsWhileWaiting_ReturnsAssignmentWithoutTimeAdvancing()
    {
        var time = new FakeTimeProvider();
        using var store = new SqliteStore(":memory:");
        var engine = new RoundEngine(store, time);
        var directory = new NodeDirectory(store, time);
        directory.IssueToken("a");
        directory.IssueToken("b");
        var run = engine.CreateRun(RunConfig.FromJson(TestSpecs.RunConfig(minClients: 2)));

        var waiting = engine.WaitForAssignmentAsync("a", run.RunId, TimeSpan.FromSeconds(30));
        Assert.False(waiting.IsCompleted);
        engine.Join("b", run.RunId);
        engine.PollAssignment("b", run.RunId);
        var poll = await waiting.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.NotNull(poll.Assignment);
        Assert.Equal(1, poll.Assignment.Round);
    }

    [Fact]
    public async Task WaitForAssignmentAsync_NothingHappens_ReturnsEmptyAfterMaxWait()
    {
        var time = new FakeTimeProvider();
        using var store = new SqliteStore(":memory:");
        var engine = new RoundEngine(store, time);
        new NodeDirectory(store, time).IssueToken("a");
        var run = engine.CreateRun(RunConfig.FromJson(TestSpecs.RunConfig(minClients: 2)));

        var waiting = engine.WaitForAssignmentAsync("a", run.RunId, TimeSpan.FromSeconds(30));
        time.Advance(TimeSpan.FromSeconds(30));
        var poll = await waiting.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Null(poll.Assignment);
        Assert.False(poll.RunEnded);
    }
}
