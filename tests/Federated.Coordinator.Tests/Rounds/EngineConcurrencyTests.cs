using Federated.Coordinator.Rounds;
using Federated.Coordinator.Storage;

namespace Federated.Coordinator.Tests.Rounds;

/// <summary>Locks per run: while one run's new version is being written, its polls and every other run go on.</summary>
public sealed class EngineConcurrencyTests
{
    [Fact]
    public async Task SubmitUpdate_CommitBeingWritten_PollsAndOtherRunsDoNotWait()
    {
        using var sqlite = new SqliteStore(":memory:");
        using var entered = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var store = new InterceptingStore(sqlite)
        {
            BeforeCommit = round =>
            {
                if (round.RunId == "run-1")
                {
                    entered.Set();
                    Assert.True(release.Wait(TimeSpan.FromSeconds(30)), "the test never released the commit");
                }
            },
        };
        using var fixture = new EngineFixture(store, sqlite: sqlite);
        var slow = fixture.StartRun(TestSpecs.RunConfig(minClients: 1, rounds: 2), "a");
        var fast = fixture.StartRun(TestSpecs.RunConfig(minClients: 1, rounds: 2), "b");
        Assert.Equal("run-1", slow);

        var committing = Task.Run(() => fixture.Engine.SubmitUpdate(null, fixture.Update(slow, "a", 0.01f)));
        Assert.True(entered.Wait(TimeSpan.FromSeconds(30)));
        try
        {
            // The slow run's commit holds its writer lock inside the store; none of these may wait for it.
            var poll = fixture.Engine.PollAssignment("a", slow);
            Assert.Null(poll.Assignment);
            Assert.Equal(0, fixture.Engine.GetRun(slow).ModelVersion);
            Assert.Equal(0, fixture.Engine.GetModel(slow, 0).Layout.Tensors.Count(t => t.Scope == Model.Spec.ParameterScope.Local));
            fixture.Engine.SubmitUpdate(null, fixture.Update(fast, "b", 0.01f));
            Assert.Equal(1, fixture.Engine.GetRun(fast).ModelVersion);
            fixture.Engine.Tick();
            Assert.False(committing.IsCompleted);
        }
        finally
        {
            release.Set();
        }

        var outcome = await committing;
        Assert.False(outcome.Duplicate);
        Assert.Equal(1, fixture.Engine.GetRun(slow).ModelVersion);
        Assert.Equal(2, fixture.Engine.PollAssignment("a", slow).Assignment?.Round);
    }

    [Fact]
    public async Task WaitForAssignmentAsync_RoundStartsWhileWaiting_WakesWithoutTheClockMoving()
    {
        using var fixture = new EngineFixture();
        var run = fixture.StartRun(TestSpecs.RunConfig(minClients: 2, rounds: 1), "a");
        var waiting = fixture.Engine.WaitForAssignmentAsync("a", run, TimeSpan.FromSeconds(30));
        Assert.False(waiting.IsCompleted);

        fixture.Directory.IssueToken("b");
        fixture.Engine.Join("b", run);
        fixture.Engine.PollAssignment("b", run);

        var poll = await waiting.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(1, poll.Assignment?.Round);
    }

    [Fact]
    public async Task WaitForAssignmentAsync_RoundCommitsAndReopensBetweenPollAndWait_WakesWithoutTheClockMoving()
    {
        // The lost wake-up of the issue: a node that already answered round 1 polls (nothing for it), then — before it
        // starts waiting — the round commits and round 2 opens. The node must wake for round 2 at once, not after its
        // full wait. The clock never moves, so only the change signal can wake it.
        using var sqlite = new SqliteStore(":memory:");
        var time = new InterleavingTimeProvider();
        var engine = new RoundEngine(sqlite, time);
        var directory = new Nodes.NodeDirectory(sqlite, time);
        directory.IssueToken("a");
        directory.IssueToken("b");
        var run = engine.CreateRun(Runs.RunConfig.FromJson(TestSpecs.RunConfig(minClients: 2, rounds: 3))).RunId;
        engine.Join("a", run);
        engine.Join("b", run);
        engine.PollAssignment("b", run);
        engine.SubmitUpdate(null, Update(engine, run, "a"));
        var fromB = Update(engine, run, "b");
        time.BeforeNextTimer(() => engine.SubmitUpdate(null, fromB));

        var poll = await engine.WaitForAssignmentAsync("a", run, TimeSpan.FromSeconds(30)).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(1, engine.GetRun(run).ModelVersion);
        Assert.Equal(2, poll.Assignment?.Round);
        Assert.Equal(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), time.GetUtcNow());
    }

    private static Coordinator.Rounds.NodeUpdate Update(RoundEngine engine, string run, string node)
    {
        var assignment = engine.PollAssignment(node, run).Assignment!;
        var global = engine.GetModel(run, assignment.ModelVersion);
        var trained = global.Clone();
        trained.Values.AsSpan().Fill(0.01f);
        var click = new Model.Metrics.BinaryMetricSummary();
        click.Add(0.8f, 1f);
        return new Coordinator.Rounds.NodeUpdate
        {
            RunId = run,
            Round = assignment.Round,
            BaseVersion = assignment.ModelVersion,
            NodeId = node,
            UploadId = $"{node}-r{assignment.Round}",
            Examples = 100,
            TaskExamples = new Dictionary<string, long> { ["click"] = 100 },
            TrainingMetrics = [new Model.Metrics.TaskMetrics("click", click)],
            Delta = Model.Updates.ModelDelta.Compute(global, trained, Model.Spec.ParameterScope.Shared),
        };
    }

    [Fact]
    public void Tick_OneRunsStoreFails_OtherRunsStillReachTheirDeadlines()
    {
        using var sqlite = new SqliteStore(":memory:");
        var fail = true;
        var store = new InterceptingStore(sqlite) { BeforeCommit = round => { if (fail && round.RunId == "run-1") { throw new IOException("disk full"); } } };
        using var fixture = new EngineFixture(store, sqlite: sqlite);
        var broken = fixture.StartRun(TestSpecs.RunConfig(minClients: 2, quorum: 1, rounds: 2, deadlineSeconds: 10), "a", "b");
        var healthy = fixture.StartRun(TestSpecs.RunConfig(minClients: 2, quorum: 1, rounds: 2, deadlineSeconds: 10), "c", "d");
        fixture.Engine.SubmitUpdate(null, fixture.Update(broken, "a", 0.01f));
        fixture.Engine.SubmitUpdate(null, fixture.Update(healthy, "c", 0.01f));

        fixture.Time.Advance(TimeSpan.FromSeconds(11));
        fixture.Engine.Tick();

        Assert.Equal(0, fixture.Engine.GetRun(broken).ModelVersion);
        Assert.Equal(1, fixture.Engine.GetRun(healthy).ModelVersion);

        // Once its store works again, the broken run commits the same round at the next tick.
        fail = false;
        fixture.Engine.Tick();
        Assert.Equal(1, fixture.Engine.GetRun(broken).ModelVersion);
    }
}
