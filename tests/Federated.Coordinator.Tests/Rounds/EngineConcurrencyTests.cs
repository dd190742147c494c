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

        var poll = await waiting.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(1, poll.Assignment?.Round);
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
