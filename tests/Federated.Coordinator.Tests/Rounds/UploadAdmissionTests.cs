using Federated.Coordinator.Rounds;

namespace Federated.Coordinator.Tests.Rounds;

/// <summary>
/// <see cref="RoundEngine.AdmitUpload"/>: an upload's header alone is checked (run, round, selection, retry, counts) with
/// the rejections of a complete update, without any work in proportion to the model.
/// </summary>
public sealed class UploadAdmissionTests
{
    /// <summary>Far below the 19.2 MB item table of <see cref="TestSpecs.LargeModel"/>.</summary>
    private const long SmallAllocation = 256 * 1024;

    [Fact]
    public void AdmitUpload_NodeNotSelected_RefusedNotSelected()
    {
        using var fixture = new EngineFixture();
        var run = fixture.StartRun(TestSpecs.RunConfig(minClients: 2, nodesPerRound: 2), "a", "b");
        fixture.Directory.IssueToken("c");
        fixture.Engine.Join("c", run);

        var e = Assert.Throws<RejectionException>(() => fixture.Engine.AdmitUpload("c", Header(run, "c", round: 1)));

        Assert.Equal(Rejection.NotSelected, e.Reason);
    }

    [Fact]
    public void AdmitUpload_EnrolledNodeThatNeverJoinedTheRun_RefusedNotSelected()
    {
        using var fixture = new EngineFixture();
        var run = fixture.StartRun(TestSpecs.RunConfig(minClients: 2), "a", "b");
        fixture.Directory.IssueToken("outsider");

        var e = Assert.Throws<RejectionException>(() => fixture.Engine.AdmitUpload("outsider", Header(run, "outsider", round: 1)));

        Assert.Equal(Rejection.NotSelected, e.Reason);
    }

    [Fact]
    public void AdmitUpload_UnknownRun_RefusedUnknownRun()
    {
        using var fixture = new EngineFixture();
        fixture.StartRun(TestSpecs.RunConfig(minClients: 2), "a", "b");

        var e = Assert.Throws<RejectionException>(() => fixture.Engine.AdmitUpload("a", Header("run-99", "a", round: 1)));

        Assert.Equal(Rejection.UnknownRun, e.Reason);
    }

    [Fact]
    public void AdmitUpload_StaleRound_RefusedStaleRound()
    {
        using var fixture = new EngineFixture();
        var run = fixture.StartRun(TestSpecs.RunConfig(minClients: 2, rounds: 2), "a", "b");
        fixture.Engine.SubmitUpdate(null, fixture.Update(run, "a", 0.01f));
        fixture.Engine.SubmitUpdate(null, fixture.Update(run, "b", 0.01f));

        var e = Assert.Throws<RejectionException>(() => fixture.Engine.AdmitUpload("a", Header(run, "a", round: 1, uploadId: "another")));

        Assert.Equal(Rejection.StaleRound, e.Reason);
    }

    [Fact]
    public void AdmitUpload_CallerIsAnotherNode_RefusedNodeMismatch()
    {
        using var fixture = new EngineFixture();
        var run = fixture.StartRun(TestSpecs.RunConfig(minClients: 2), "a", "b");

        var e = Assert.Throws<RejectionException>(() => fixture.Engine.AdmitUpload("b", Header(run, "a", round: 1)));

        Assert.Equal(Rejection.NodeMismatch, e.Reason);
    }

    [Fact]
    public void AdmitUpload_SelectedNode_AdmittedAndNothingChanges()
    {
        using var fixture = new EngineFixture();
        var run = fixture.StartRun(TestSpecs.RunConfig(minClients: 2), "a", "b");

        var outcome = fixture.Engine.AdmitUpload("a", Header(run, "a", round: 1));

        Assert.Null(outcome);
        Assert.Equal(0, fixture.Engine.ListRounds(run).Single().Updates);
        Assert.NotNull(fixture.Engine.PollAssignment("a", run).Assignment);
    }

    [Fact]
    public void AdmitUpload_RetryOfACountedUpload_AnsweredAsADuplicate()
    {
        using var fixture = new EngineFixture();
        var run = fixture.StartRun(TestSpecs.RunConfig(minClients: 2), "a", "b");
        var update = fixture.Update(run, "a", 0.01f);
        fixture.Engine.SubmitUpdate(null, update);

        var outcome = fixture.Engine.AdmitUpload("a", Header(run, "a", round: 1, uploadId: update.UploadId));

        Assert.NotNull(outcome);
        Assert.True(outcome.Duplicate);
        Assert.Equal(1, outcome.UpdatesInRound);
    }

    [Fact]
    public void AdmitUpload_LargeModelNodeNotSelected_AllocatesNothingModelSized()
    {
        using var fixture = new EngineFixture();
        var run = fixture.StartRun(TestSpecs.RunConfig(model: TestSpecs.LargeModel, minClients: 2, nodesPerRound: 2), "a", "b");
        fixture.Directory.IssueToken("c");
        fixture.Engine.Join("c", run);
        var header = Header(run, "c", round: 1);
        Assert.Throws<RejectionException>(() => fixture.Engine.AdmitUpload("c", header));

        var before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<RejectionException>(() => fixture.Engine.AdmitUpload("c", header));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(Rejection.NotSelected, e.Reason);
        Assert.InRange(allocated, 0, SmallAllocation);
    }

    [Fact]
    public void AdmitUpload_LargeModelSelectedNode_AdmittedWithoutModelSizedWork()
    {
        using var fixture = new EngineFixture();
        var run = fixture.StartRun(TestSpecs.RunConfig(model: TestSpecs.LargeModel, minClients: 2), "a", "b");
        var header = Header(run, "a", round: 1);
        Assert.Null(fixture.Engine.AdmitUpload("a", header));

        var before = GC.GetAllocatedBytesForCurrentThread();
        var outcome = fixture.Engine.AdmitUpload("a", header);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Null(outcome);
        Assert.InRange(allocated, 0, SmallAllocation);
    }

    [Fact]
    public void AdmitUpload_NoCountForATaskWithSharedTensors_RefusedInvalidExampleCount()
    {
        using var fixture = new EngineFixture();
        var run = fixture.StartRun(TestSpecs.RunConfig(minClients: 2), "a", "b");

        var e = Assert.Throws<RejectionException>(() => fixture.Engine.AdmitUpload("a", Header(run, "a", round: 1) with { TaskExamples = new Dictionary<string, long>() }));

        Assert.Equal(Rejection.InvalidExampleCount, e.Reason);
        Assert.Contains("'click'", e.Message, StringComparison.Ordinal);
    }

    internal static NodeUpdateHeader Header(string run, string node, long round, long baseVersion = 0, string? uploadId = null) => new()
    {
        RunId = run,
        Round = round,
        BaseVersion = baseVersion,
        NodeId = node,
        UploadId = uploadId ?? $"{node}-r{round}-admission",
        Examples = 10,
        TaskExamples = new Dictionary<string, long> { ["click"] = 10 },
    };
}
