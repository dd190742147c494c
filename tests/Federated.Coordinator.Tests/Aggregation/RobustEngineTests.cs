using Federated.Coordinator.Rounds;
using Federated.Model.Spec;
using Federated.Coordinator.Tests.Rounds;

namespace Federated.Coordinator.Tests.Aggregation;

/// <summary>A robust strategy behind the real round engine.</summary>
public sealed class RobustEngineTests
{
    [Fact]
    public void SubmitUpdate_NaNUpdateWithMedianConfigured_RefusedBeforeAggregationAndTheRoundUsesTheOthers()
    {
        using var fixture = new EngineFixture();
        var config = TestSpecs.RunConfig(minClients: 3, rounds: 1)
            .Replace("\"strategy\": { \"name\": \"fedavg\" }", "\"strategy\": { \"name\": \"median\" }", StringComparison.Ordinal);
        var run = fixture.StartRun(config, "a", "b", "c");
        var base0 = fixture.Engine.GetModel(run, 0).Clone();

        var poisoned = fixture.Update(run, "a", 1000f);
        poisoned.Delta.Tensors[0].Values[0] = float.NaN;
        var e = Assert.Throws<RejectionException>(() => fixture.Engine.SubmitUpdate(null, poisoned));
        Assert.Equal(Rejection.NonFinite, e.Reason);

        fixture.Engine.SubmitUpdate(null, fixture.Update(run, "a", 0.01f) with { UploadId = "a-retry" });
        fixture.Engine.SubmitUpdate(null, fixture.Update(run, "b", 0.02f));
        fixture.Engine.SubmitUpdate(null, fixture.Update(run, "c", 0.5f));

        // The median of 0.01, 0.02 and 0.5 on every shared value: 0.02. Local values do not move.
        var next = fixture.Engine.GetModel(run, 1);
        var shared = next.Layout.Tensors.Where(t => t.Scope == ParameterScope.Shared).ToList();
        Assert.NotEmpty(shared);
        foreach (var tensor in next.Layout.Tensors)
        {
            var moved = tensor.Scope == ParameterScope.Shared ? 0.02f : 0f;
            for (var i = tensor.Offset; i < tensor.End; i++)
            {
                Assert.Equal(base0.Values[i] + moved, next.Values[i], 1e-5f);
            }
        }
    }

    [Fact]
    public void SubmitUpdate_MedianWithBuckets_BucketsDrawnFromTheRunSeedAndRoundNumber()
    {
        using var fixture = new EngineFixture();
        var config = TestSpecs.RunConfig(minClients: 6, rounds: 1)
            .Replace("\"strategy\": { \"name\": \"fedavg\" }", "\"strategy\": { \"name\": \"median\", \"parameters\": { \"bucket\": 2 } }", StringComparison.Ordinal);
        string[] nodes = ["a", "b", "c", "d", "e", "f"];
        float[] steps = [0f, 0.01f, 0.02f, 0.04f, 0.08f, 0.16f];
        var run = fixture.StartRun(config, nodes);
        var base0 = fixture.Engine.GetModel(run, 0).Clone();

        for (var k = 0; k < nodes.Length; k++)
        {
            fixture.Engine.SubmitUpdate(null, fixture.Update(run, nodes[k], steps[k]));
        }

        // Three buckets of two in arrival order, shuffled by the run's seed and round 1: the step is the median of the
        // three bucket means (which round 0's shuffle, what a strategy begun without the round number draws, misses).
        var seed = Coordinator.Runs.RunConfig.FromJson(config).Seed;
        float MedianOfBuckets(long round) => Coordinator.Aggregation.Robust.Bucketing.Assign(6, 2, seed, round).Select(b => (steps[b[0]] + steps[b[1]]) / 2).Order().ElementAt(1);
        var expected = MedianOfBuckets(1);
        Assert.NotEqual(MedianOfBuckets(0), expected);
        var next = fixture.Engine.GetModel(run, 1);
        var shared = next.Layout.Tensors.First(t => t.Scope == ParameterScope.Shared);
        Assert.Equal(base0.Values[shared.Offset] + expected, next.Values[shared.Offset], 1e-5f);
    }

    [Fact]
    public void Tick_RobustRoundFailsWithoutQuorum_ItsSpillFileIsDeletedAtOnce()
    {
        var spill = Directory.CreateTempSubdirectory("federated-spill-");
        try
        {
            var pipelines = new Coordinator.Rounds.Pipeline.RoundPipelineFactory(buffer: new Coordinator.Aggregation.Robust.UpdateBufferOptions { MemoryLimitBytes = 0, SpillDirectory = spill.FullName });
            using var fixture = new EngineFixture(pipelines: pipelines);
            var config = TestSpecs.RunConfig(minClients: 3, rounds: 2, deadlineSeconds: 10, maxRetries: 1)
                .Replace("\"strategy\": { \"name\": \"fedavg\" }", "\"strategy\": { \"name\": \"median\" }", StringComparison.Ordinal);
            var run = fixture.StartRun(config, "a", "b", "c");
            fixture.Engine.SubmitUpdate(null, fixture.Update(run, "a", 0.01f));
            Assert.NotEmpty(spill.EnumerateFiles());

            fixture.Time.Advance(TimeSpan.FromSeconds(11));
            fixture.Engine.Tick();

            Assert.Equal(0, fixture.Engine.GetRun(run).ModelVersion);
            Assert.Empty(spill.EnumerateFiles());
        }
        finally
        {
            spill.Delete(recursive: true);
        }
    }
}
