using Federated.Coordinator.Rounds;
using Federated.Model.Metrics;

namespace Federated.Coordinator.Tests.Rounds;

/// <summary>An update is validated completely, metric merges included, before anything of its round changes.</summary>
public sealed class ValidationBeforeChangeTests
{
    [Fact]
    public void SubmitUpdate_MetricsThatCannotMergeWithTheRounds_RefusedAndTheAggregateUntouched()
    {
        using var fixture = new EngineFixture();
        var run = fixture.StartRun(TestSpecs.RunConfig(minClients: 3, rounds: 1), "a", "b", "c");
        var base0 = fixture.Engine.GetModel(run, 0).Clone();
        fixture.Engine.SubmitUpdate(null, fixture.Update(run, "a", 0.01f, Summary(bins: 2)));

        var refused = Assert.Throws<RejectionException>(() => fixture.Engine.SubmitUpdate(null, fixture.Update(run, "b", 5f, Summary(bins: 3))));
        fixture.Engine.SubmitUpdate(null, fixture.Update(run, "b", 0.03f, Summary(bins: 2), examples: 100));
        fixture.Engine.SubmitUpdate(null, fixture.Update(run, "c", 0.02f, Summary(bins: 2)));

        Assert.Equal(Rejection.InvalidMetrics, refused.Reason);
        var next = fixture.Engine.GetModel(run, 1);
        Assert.Equal(base0.Values[0] + 0.02f, next.Values[0], 5);
        var train = Assert.Single(fixture.Engine.GetMetrics(run));
        Assert.Equal(3, TaskMetrics.FromArray("click", train.Summary).Summary.Count);
    }

    [Fact]
    public void SubmitUpdate_RefusedUpdate_NodeMaySendACorrectedOneUnderTheSameUploadId()
    {
        using var fixture = new EngineFixture();
        var run = fixture.StartRun(TestSpecs.RunConfig(minClients: 2, rounds: 1), "a", "b");
        fixture.Engine.SubmitUpdate(null, fixture.Update(run, "a", 0.01f, Summary(bins: 2)));

        Assert.Throws<RejectionException>(() => fixture.Engine.SubmitUpdate(null, fixture.Update(run, "b", 0.01f, Summary(bins: 3))));
        var accepted = fixture.Engine.SubmitUpdate(null, fixture.Update(run, "b", 0.01f, Summary(bins: 2)));

        Assert.False(accepted.Duplicate);
        Assert.Equal(1, fixture.Engine.GetRun(run).ModelVersion);
    }

    [Fact]
    public void SubmitUpdate_MergedCountBeyondTwoToThe53_RefusedAndTheRoundStillCommits()
    {
        using var fixture = new EngineFixture();
        var run = fixture.StartRun(TestSpecs.RunConfig(minClients: 3, rounds: 1), "a", "b", "c");
        fixture.Engine.SubmitUpdate(null, fixture.Update(run, "a", 0.01f, rating: Huge(count: 1L << 53)));

        var refused = Assert.Throws<RejectionException>(() => fixture.Engine.SubmitUpdate(null, fixture.Update(run, "b", 0.01f, rating: Huge(count: 1L << 53))));
        fixture.Engine.SubmitUpdate(null, fixture.Update(run, "b", 0.01f));
        fixture.Engine.SubmitUpdate(null, fixture.Update(run, "c", 0.01f));

        Assert.Equal(Rejection.InvalidMetrics, refused.Reason);
        Assert.Equal(1, fixture.Engine.GetRun(run).ModelVersion);
        Assert.Equal(2, fixture.Engine.GetMetrics(run).Count);
    }

    [Fact]
    public void SubmitEvaluation_SumsThatOverflowWhenMerged_RefusedNotStoredAndNotADuplicateOnRetry()
    {
        using var fixture = new EngineFixture();
        var run = fixture.StartRun(TestSpecs.RunConfig(minClients: 2, rounds: 1), "a", "b");
        fixture.Engine.SubmitEvaluation("a", run, 0, [new TaskMetrics("rating", Huge(count: 2, sum: 1.7e308))]);

        var refused = Assert.Throws<RejectionException>(() => fixture.Engine.SubmitEvaluation("b", run, 0, [new TaskMetrics("rating", Huge(count: 2, sum: 1.7e308))]));
        var retry = fixture.Engine.SubmitEvaluation("b", run, 0, [new TaskMetrics("rating", Huge(count: 2, sum: 1))]);

        Assert.Equal(Rejection.InvalidMetrics, refused.Reason);
        Assert.False(retry.Duplicate);
        var stored = Assert.Single(fixture.Engine.GetMetrics(run));
        Assert.Equal(4, TaskMetrics.FromArray("rating", stored.Summary).Summary.Count);
    }

    private static RegressionMetricSummary Huge(long count, double sum = 1) => RegressionMetricSummary.FromArray([2, count, sum, sum, 0, sum]);

    private static BinaryMetricSummary Summary(int bins)
    {
        var summary = new BinaryMetricSummary(bins);
        summary.Add(0.8f, 1f);
        return summary;
    }
}
