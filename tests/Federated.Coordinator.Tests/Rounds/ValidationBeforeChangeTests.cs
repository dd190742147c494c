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

    private static BinaryMetricSummary Summary(int bins)
    {
        var summary = new BinaryMetricSummary(bins);
        summary.Add(0.8f, 1f);
        return summary;
    }
}
