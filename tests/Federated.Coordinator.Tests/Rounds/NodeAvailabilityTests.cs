using Federated.Coordinator.Rounds;
using Federated.Coordinator.Storage;
using Federated.Coordinator.Tests.Storage;
using Microsoft.Extensions.Time.Testing;

namespace Federated.Coordinator.Tests.Rounds;

/// <summary>
/// Rounds select only nodes that are there: a node is selectable from its first poll after joining, stops being
/// selectable when it misses a deadline until it polls again, and a node that leaves or is revoked releases its slot in
/// the open round at once (the round commits or fails then, not at its deadline).
/// </summary>
public sealed class NodeAvailabilityTests
{
    [Fact]
    public void StartRound_NodeJoinedButNeverPolled_NotSelectedUntilItPolls()
    {
        using var fixture = new EngineFixture();
        var run = fixture.StartRun(TestSpecs.RunConfig(minClients: 2), "a");
        fixture.Directory.IssueToken("b");
        fixture.Engine.Join("b", run);

        Assert.Empty(fixture.Engine.ListRounds(run));

        fixture.Engine.PollAssignment("b", run);
        Assert.Equal(["a", "b"], fixture.Engine.ListRounds(run).Single().Selected);
    }

    [Fact]
    public void Tick_SelectedNodeMissedDeadline_NotSelectedAgainUntilItPolls()
    {
        using var fixture = new EngineFixture();
        var run = fixture.StartRun(TestSpecs.RunConfig(minClients: 3, quorum: 2, deadlineSeconds: 60), "a", "b", "c");
        fixture.Engine.SubmitUpdate(null, fixture.Update(run, "a", 0.1f));
        fixture.Engine.SubmitUpdate(null, fixture.Update(run, "b", 0.1f));

        fixture.Time.Advance(TimeSpan.FromSeconds(60));
        fixture.Engine.Tick();
        fixture.Engine.PollAssignment("a", run);
        fixture.Engine.PollAssignment("b", run);

        // Two of the three minimum are there: no round starts while c stays silent, however often the others poll.
        var committed = fixture.Engine.ListRounds(run).Single();
        Assert.Equal((RoundState.Committed, 2), (committed.State, committed.Updates));

        // Back after its poll: the next round selects it again.
        Assert.Equal(2, fixture.Engine.PollAssignment("c", run).Assignment?.Round);
        Assert.Equal(["a", "b", "c"], fixture.Engine.ListRounds(run)[1].Selected);
    }

    [Fact]
    public void ReleaseRevoked_TwoOfThreeSentThirdRevoked_CommitsAtOnceFromExactlyTheTwo()
    {
        using var fixture = new EngineFixture();
        var run = fixture.StartRun(TestSpecs.RunConfig(minClients: 3, quorum: 2, deadlineSeconds: 60), "a", "b", "c");
        var global = fixture.Engine.GetModel(run, 0).Clone();
        fixture.Engine.SubmitUpdate(null, fixture.Update(run, "a", 0.1f));
        fixture.Engine.SubmitUpdate(null, fixture.Update(run, "b", 0.3f));

        Assert.True(fixture.Directory.Revoke("c"));
        fixture.Engine.ReleaseRevoked("c");

        var round = fixture.Engine.ListRounds(run).Single();
        Assert.Equal((RoundState.Committed, 2, 1L), (round.State, round.Updates, round.ResultVersion));
        Assert.Equal(["c"], round.Released);
        var next = fixture.Engine.GetModel(run, 1);
        for (var i = 0; i < next.Values.Length; i++)
        {
            // Equal example counts: the plain mean of the two steps.
            Assert.Equal(global.Values[i] + 0.2f, next.Values[i], 4);
        }

        var e = Assert.Throws<RejectionException>(() => fixture.Engine.PollAssignment("c", run));
        Assert.Equal(Rejection.NodeRevoked, e.Reason);
    }

    [Fact]
    public void Leave_OneSelectedNodeLeavesBeforeSending_RoundWaitsForTheOthersOnlyThenCommits()
    {
        using var fixture = new EngineFixture();
        var run = fixture.StartRun(TestSpecs.RunConfig(minClients: 3, quorum: 2, deadlineSeconds: 60), "a", "b", "c");
        fixture.Engine.SubmitUpdate(null, fixture.Update(run, "a", 0.1f));

        fixture.Engine.Leave("c", run);
        Assert.Equal(RoundState.Open, fixture.Engine.ListRounds(run).Single().State);
        fixture.Engine.SubmitUpdate(null, fixture.Update(run, "b", 0.1f));

        var round = fixture.Engine.ListRounds(run)[0];
        Assert.Equal((RoundState.Committed, 2), (round.State, round.Updates));
        Assert.Equal(1, fixture.Engine.GetRun(run).ModelVersion);
    }

    [Theory]
    [InlineData("retry", RunStatus.Running)]
    [InlineData("fail", RunStatus.Failed)]
    public void Leave_QuorumCanNoLongerBeMet_RoundFailsAtOnceByThePolicy(string onNoQuorum, RunStatus expected)
    {
        using var fixture = new EngineFixture();
        var run = fixture.StartRun(TestSpecs.RunConfig(minClients: 3, quorum: 3, deadlineSeconds: 60, onNoQuorum: onNoQuorum), "a", "b", "c");
        fixture.Engine.SubmitUpdate(null, fixture.Update(run, "a", 0.1f));
        var events = new List<RoundEvent>();
        using var subscription = fixture.Engine.Subscribe(events.Add);

        fixture.Engine.Leave("c", run);

        var round = fixture.Engine.ListRounds(run)[0];
        Assert.Equal((RoundState.Failed, 1), (round.State, round.Updates));
        Assert.Equal(expected, fixture.Engine.GetRun(run).Status);
        var failed = events.Single(e => e.Kind == RoundEventKind.RoundFailed);
        Assert.Contains("node c left the run", failed.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Restore_RoundWithAReleasedSlot_DoesNotWaitForTheNodeThatLeft()
    {
        using var database = new TempDatabase();
        string run;
        using (var sqlite = new SqliteStore(database.Path))
        {
            using var fixture = new EngineFixture(sqlite: sqlite);
            run = fixture.StartRun(TestSpecs.RunConfig(minClients: 3, quorum: 2, deadlineSeconds: 60), "a", "b", "c");
            fixture.Engine.SubmitUpdate(null, fixture.Update(run, "a", 0.1f));
            fixture.Engine.Leave("c", run);
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        using var reopened = new SqliteStore(database.Path);
        var restarted = new EngineFixture(sqlite: reopened);
        restarted.Engine.Restore();

        // The aggregate was lost with the process: a and b send again, and nobody waits for c.
        Assert.Equal(["c"], restarted.Engine.ListRounds(run).Single().Released);
        restarted.Engine.SubmitUpdate(null, restarted.Update(run, "a", 0.1f));
        restarted.Engine.SubmitUpdate(null, restarted.Update(run, "b", 0.1f));

        Assert.Equal((RoundState.Committed, 2), (restarted.Engine.ListRounds(run)[0].State, restarted.Engine.ListRounds(run)[0].Updates));
    }

    [Fact]
    public void Restore_SameDatabase_NodesKeepTheirRunsAndLastSeen()
    {
        using var database = new TempDatabase();
        IReadOnlyList<NodePresence> before;
        string run;
        using (var sqlite = new SqliteStore(database.Path))
        {
            using var fixture = new EngineFixture(sqlite: sqlite);
            run = fixture.StartRun(TestSpecs.RunConfig(minClients: 2), "a", "b");
            fixture.Time.Advance(TimeSpan.FromSeconds(42));
            fixture.Engine.SubmitUpdate(null, fixture.Update(run, "b", 0.1f));
            before = fixture.Engine.ListPresence();
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        using var reopened = new SqliteStore(database.Path);
        var engine = new RoundEngine(reopened, new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 5, 0, TimeSpan.Zero)));
        engine.Restore();

        var after = engine.ListPresence();
        Assert.Equal(before.Select(p => (p.NodeId, p.LastSeen, string.Join(",", p.Runs))), after.Select(p => (p.NodeId, p.LastSeen, string.Join(",", p.Runs))));
        Assert.Equal([run], after.Single(p => p.NodeId == "b").Runs);
        Assert.NotNull(engine.DownloadModel("a", run, 0));
    }
}
