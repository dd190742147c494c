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
