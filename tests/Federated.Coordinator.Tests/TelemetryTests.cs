using Federated.Coordinator.Rounds;
using Federated.Model.Parameters;
using Federated.Model.Spec;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using System.Diagnostics.Metrics;

namespace Federated.Coordinator.Tests;

public sealed class TelemetryTests
{
    private static readonly ParameterLayout Layout = ParameterLayout.FromSpec(ModelSpec.FromJson(TestSpecs.SmallModel));

    [Fact]
    public async Task SubmitUpdate_RejectedAndCommitted_CountedByReasonAndRound()
    {
        await using var host = await CoordinatorTestHost.StartAsync();
        try
        {
            var factory = host.Services.GetRequiredService<IMeterFactory>();
            using var rejected = new MetricCollector<long>(factory, CoordinatorMetrics.MeterName, "federated.updates.rejected");
            using var committed = new MetricCollector<long>(factory, CoordinatorMetrics.MeterName, "federated.rounds.committed");
            var (run, nodes) = await RoundTests.StartRoundAsync(host);

            var header = nodes[0].Header(run, 1, 0, 10, 10);
            header.Examples = 0;
            await Assert.ThrowsAsync<RpcException>(() => nodes[0].SubmitAsync(header, FakeNode.DenseChunks(Layout, RoundTests.MakeDelta(0))));
            foreach (var node in nodes)
            {
                await node.SubmitAsync(node.Header(run, 1, 0, 10, 10), FakeNode.DenseChunks(Layout, RoundTests.MakeDelta(0)));
            }

            var measurement = Assert.Single(rejected.GetMeasurementSnapshot());
            Assert.Equal(nameof(Rejection.InvalidExampleCount), measurement.Tags["reason"]);
            Assert.Equal(1, committed.GetMeasurementSnapshot().Sum(m => m.Value));
        }
        finally
        {
            CoordinatorTestHost.DeleteDatabase(host.DatabasePath);
        }
    }
}
