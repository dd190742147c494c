using Federated.Coordinator.Rounds;
using Federated.Coordinator.Runs;
using Federated.Model.Parameters;

namespace Federated.Coordinator.Tests.Rounds;

/// <summary>
/// Every task with shared tensors needs a labelled-example count in an update (0 allowed: its head's deltas weigh 0);
/// a missing one used to drop the head's deltas silently.
/// </summary>
public sealed class TaskExampleCountTests
{
    [Fact]
    public void SubmitUpdate_NoCountForATaskWithSharedTensors_RefusedNamingTheTaskAndTheAggregateUntouched()
    {
        using var fixture = new EngineFixture();
        var run = fixture.StartRun(TestSpecs.RunConfig(minClients: 2, rounds: 1), "a", "b");
        var base0 = fixture.Engine.GetModel(run, 0).Clone();

        var e = Assert.Throws<RejectionException>(() => fixture.Engine.SubmitUpdate(null, fixture.Update(run, "a", 5f) with { TaskExamples = new Dictionary<string, long>() }));
        fixture.Engine.SubmitUpdate(null, fixture.Update(run, "a", 0.01f));
        fixture.Engine.SubmitUpdate(null, fixture.Update(run, "b", 0.01f));

        Assert.Equal(Rejection.InvalidExampleCount, e.Reason);
        Assert.Contains("'click'", e.Message, StringComparison.Ordinal);
        var next = fixture.Engine.GetModel(run, 1);
        for (var i = 0; i < next.Values.Length; i++)
        {
            Assert.Equal(base0.Values[i] + 0.01f, next.Values[i], 5);
        }
    }

    [Fact]
    public void SubmitUpdate_NoCountForATaskWithOnlyLocalTensors_Accepted()
    {
        using var fixture = new EngineFixture();
        var run = fixture.StartRun(TestSpecs.RunConfig(minClients: 2, rounds: 1), "a", "b");
        var update = fixture.Update(run, "a", 0.01f);

        var outcome = fixture.Engine.SubmitUpdate(null, update);

        Assert.DoesNotContain("rating", update.TaskExamples.Keys);
        Assert.False(outcome.Duplicate);
        Assert.Equal(1, outcome.UpdatesInRound);
    }

    [Fact]
    public void SubmitUpdate_TaskCountAboveTheExamples_RefusedInvalidExampleCount()
    {
        using var fixture = new EngineFixture();
        var run = fixture.StartRun(TestSpecs.RunConfig(minClients: 2, rounds: 1), "a", "b");
        var update = fixture.Update(run, "a", 0.01f, examples: 100);

        var e = Assert.Throws<RejectionException>(() => fixture.Engine.SubmitUpdate(null, update with { TaskExamples = new Dictionary<string, long> { ["click"] = 101 } }));

        Assert.Equal(Rejection.InvalidExampleCount, e.Reason);
        Assert.Contains("'click'", e.Message, StringComparison.Ordinal);
        Assert.Equal(0, fixture.Engine.ListRounds(run).Single().Updates);
    }

    [Fact]
    public void SubmitUpdate_ZeroCountForATaskWithSharedTensors_AcceptedAndItsHeadDeltasWeighZero()
    {
        using var fixture = new EngineFixture();
        var run = fixture.StartRun(TestSpecs.RunConfig(minClients: 2, rounds: 1), "a", "b");
        var base0 = fixture.Engine.GetModel(run, 0).Clone();
        var model = CompiledModel.Compile(RunConfig.FromJson(TestSpecs.RunConfig()).Spec);

        fixture.Engine.SubmitUpdate(null, fixture.Update(run, "a", 0.01f));
        fixture.Engine.SubmitUpdate(null, fixture.Update(run, "b", 0.03f) with { TaskExamples = new Dictionary<string, long> { ["click"] = 0 } });

        var next = fixture.Engine.GetModel(run, 1);
        var heads = next.Layout.Tensors.Where(t => model.TaskOf(t) == "click").ToList();
        Assert.NotEmpty(heads);
        foreach (var tensor in next.Layout.Tensors)
        {
            // The head moves by a's step alone; the trunk and embeddings by the mean of both (equal examples).
            var expected = heads.Contains(tensor) ? 0.01f : 0.02f;
            var before = base0[tensor];
            var after = next[tensor];
            for (var i = 0; i < after.Length; i++)
            {
                Assert.Equal(before[i] + expected, after[i], 5);
            }
        }
    }
}
