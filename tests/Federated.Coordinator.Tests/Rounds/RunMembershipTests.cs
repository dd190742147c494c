using Federated.Coordinator.Rounds;
using Federated.Coordinator.Storage;
using Federated.Model.Metrics;

namespace Federated.Coordinator.Tests.Rounds;

/// <summary>Only a node that joined a run may download its model or evaluate it.</summary>
public sealed class RunMembershipTests
{
    [Fact]
    public void DownloadModel_EnrolledNodeThatNeverJoined_RefusedNotJoined()
    {
        using var fixture = new EngineFixture();
        var run = fixture.StartRun(TestSpecs.RunConfig(minClients: 2), "a", "b");
        fixture.Directory.IssueToken("outsider");

        var e = Assert.Throws<RejectionException>(() => fixture.Engine.DownloadModel("outsider", run, 0));

        Assert.Equal(Rejection.NotJoined, e.Reason);
    }

    [Fact]
    public void DownloadModel_AfterJoinOrPoll_TheVersion()
    {
        using var fixture = new EngineFixture();
        var run = fixture.StartRun(TestSpecs.RunConfig(minClients: 2), "a", "b");
        fixture.Directory.IssueToken("joiner");
        fixture.Directory.IssueToken("poller");
        fixture.Engine.Join("joiner", run);
        fixture.Engine.PollAssignment("poller", run);

        var joined = fixture.Engine.DownloadModel("joiner", run, 0);
        var polled = fixture.Engine.DownloadModel("poller", run, 0);

        Assert.Equal(fixture.Engine.GetModel(run, 0).Values, joined.Values);
        Assert.Same(joined, polled);
    }

    [Fact]
    public void DownloadModel_NodeThatJoinedAnotherRun_RefusedNotJoined()
    {
        using var fixture = new EngineFixture();
        var first = fixture.StartRun(TestSpecs.RunConfig(minClients: 2), "a", "b");
        var second = fixture.StartRun(TestSpecs.RunConfig(minClients: 2), "c");

        var e = Assert.Throws<RejectionException>(() => fixture.Engine.DownloadModel("c", first, 0));

        Assert.Equal(Rejection.NotJoined, e.Reason);
        Assert.NotNull(fixture.Engine.DownloadModel("c", second, 0));
    }

    [Fact]
    public void DownloadModel_NodeThatLeft_RefusedNotJoined()
    {
        using var fixture = new EngineFixture();
        var run = fixture.StartRun(TestSpecs.RunConfig(minClients: 2), "a", "b");
        fixture.Engine.Leave("a", run);

        var e = Assert.Throws<RejectionException>(() => fixture.Engine.DownloadModel("a", run, 0));

        Assert.Equal(Rejection.NotJoined, e.Reason);
    }

    [Fact]
    public void SubmitEvaluation_EnrolledNodeThatNeverJoined_RefusedNotJoinedAndNothingStored()
    {
        using var fixture = new EngineFixture();
        var run = fixture.StartRun(TestSpecs.RunConfig(minClients: 2), "a", "b");
        fixture.Directory.IssueToken("outsider");

        var e = Assert.Throws<RejectionException>(() => fixture.Engine.SubmitEvaluation("outsider", run, 0, [Click()]));

        Assert.Equal(Rejection.NotJoined, e.Reason);
        Assert.Empty(fixture.Engine.GetMetrics(run));
    }

    [Fact]
    public void SubmitEvaluation_AfterJoin_Merged()
    {
        using var fixture = new EngineFixture();
        var run = fixture.StartRun(TestSpecs.RunConfig(minClients: 2), "a", "b");
        fixture.Directory.IssueToken("late");
        fixture.Engine.Join("late", run);

        var outcome = fixture.Engine.SubmitEvaluation("late", run, 0, [Click()]);

        Assert.False(outcome.Duplicate);
        Assert.Single(fixture.Engine.GetMetrics(run));
    }

    [Fact]
    public void DownloadModel_AfterARestart_NodesThatJoinedBeforeMayAndOthersMustJoin()
    {
        var path = Path.Combine(Path.GetTempPath(), $"membership-{Guid.NewGuid():N}.db");
        try
        {
            string run;
            using (var sqlite = new SqliteStore(path))
            using (var fixture = new EngineFixture(sqlite: sqlite))
            {
                run = fixture.StartRun(TestSpecs.RunConfig(minClients: 2, nodesPerRound: 2), "a", "b");
                fixture.Directory.IssueToken("c");
                fixture.Engine.Join("c", run);
            }

            using var reopened = new SqliteStore(path);
            var engine = new RoundEngine(reopened, TimeProvider.System);
            engine.Restore();

            // a was selected in the reopened round and c had joined (memberships are stored): a download cut by the
            // restart is retried without a new join. A node that never joined must join first.
            Assert.NotNull(engine.DownloadModel("a", run, 0));
            Assert.NotNull(engine.DownloadModel("c", run, 0));
            new Nodes.NodeDirectory(reopened, TimeProvider.System).IssueToken("d");
            var e = Assert.Throws<RejectionException>(() => engine.DownloadModel("d", run, 0));
            Assert.Equal(Rejection.NotJoined, e.Reason);
            engine.Join("d", run);
            Assert.NotNull(engine.DownloadModel("d", run, 0));
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            foreach (var file in Directory.GetFiles(Path.GetTempPath(), Path.GetFileName(path) + "*"))
            {
                File.Delete(file);
            }
        }
    }

    private static TaskMetrics Click()
    {
        var summary = new BinaryMetricSummary();
        summary.Add(0.7f, 1f);
        summary.Add(0.2f, 0f);
        return new TaskMetrics("click", summary);
    }
}
