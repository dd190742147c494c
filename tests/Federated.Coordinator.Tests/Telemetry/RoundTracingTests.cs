using System.Collections.Concurrent;
using System.Diagnostics;
using Federated.Coordinator.Rounds;
using Federated.Model.Parameters;
using Federated.Model.Spec;

namespace Federated.Coordinator.Tests.Telemetry;

[Collection(nameof(SerialTelemetry))]
public sealed class RoundTracingTests
{
    private static readonly ParameterLayout Layout = ParameterLayout.FromSpec(ModelSpec.FromJson(TestSpecs.SmallModel));

    [Fact]
    public async Task SubmitUpdate_RoundCommitted_OneRoundActivityWithAChildPerUpdateAndOneForTheCommit()
    {
        var stopped = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == RoundTracing.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        await using var host = await CoordinatorTestHost.StartAsync();
        try
        {
            var (run, nodes) = await RoundTests.StartRoundAsync(host);
            foreach (var node in nodes)
            {
                await node.SubmitAsync(node.Header(run, 1, 0, 10, 10), FakeNode.DenseChunks(Layout, RoundTests.MakeDelta(0)));
            }

            var round = Assert.Single(stopped, a => a.OperationName == RoundTracing.RoundActivity);
            Assert.Equal(run, round.GetTagItem("federated.run_id"));
            Assert.Equal(1L, round.GetTagItem("federated.round"));
            Assert.Equal("committed", round.GetTagItem("federated.outcome"));
            Assert.Equal(1L, round.GetTagItem("federated.version"));
            Assert.Equal(default, round.ParentSpanId);
            var children = stopped.Where(a => a.ParentSpanId == round.SpanId).ToList();
            Assert.All(children, c => Assert.Equal(round.TraceId, c.TraceId));
            var updates = children.Where(c => c.OperationName == RoundTracing.UpdateActivity).ToList();
            Assert.Equal(["n1", "n2", "n3"], updates.Select(u => (string)u.GetTagItem("federated.node_id")!).Order(StringComparer.Ordinal));
            var commit = Assert.Single(children, c => c.OperationName == RoundTracing.CommitActivity);
            Assert.Equal(1L, commit.GetTagItem("federated.version"));
            Assert.True(commit.StartTimeUtc >= round.StartTimeUtc && commit.StartTimeUtc + commit.Duration <= round.StartTimeUtc + round.Duration);
        }
        finally
        {
            CoordinatorTestHost.DeleteDatabase(host.DatabasePath);
        }
    }

    [Fact]
    public async Task SubmitUpdate_Rejected_ItsActivityFailedWithTheReason()
    {
        var stopped = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == RoundTracing.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        await using var host = await CoordinatorTestHost.StartAsync();
        try
        {
            var (run, nodes) = await RoundTests.StartRoundAsync(host);
            var delta = RoundTests.MakeDelta(0);
            delta[Layout.InScope(ParameterScope.Shared).First().Name][0] = float.NaN;

            await Assert.ThrowsAsync<global::Grpc.Core.RpcException>(() => nodes[0].SubmitAsync(nodes[0].Header(run, 1, 0, 10, 10), FakeNode.DenseChunks(Layout, delta)));

            var update = Assert.Single(stopped, a => a.OperationName == RoundTracing.UpdateActivity);
            Assert.Equal(ActivityStatusCode.Error, update.Status);
            Assert.Equal(nameof(Rejection.NonFinite), update.GetTagItem("federated.rejection"));
        }
        finally
        {
            CoordinatorTestHost.DeleteDatabase(host.DatabasePath);
        }
    }
}
