using Federated.Coordinator.Tests.Rounds;
using Federated.Protos.V1;
using Grpc.Core;

namespace Federated.Coordinator.Tests;

/// <summary>The label-statistics RPC over the real service: the assignment asks, a refusal carries its status and trailer, and the commit shows as version 1.</summary>
public sealed class LabelStatisticsGrpcTests
{
    [Fact]
    public async Task SubmitLabelStatistics_InvalidThenValid_InvalidArgumentWithTrailerThenVersion1()
    {
        await using var host = await CoordinatorTestHost.StartAsync();
        try
        {
            var run = (await host.StartRunAsync(LabelStatisticsFixture.Config(rounds: 1, minClients: 1))).RunId;
            var node = await host.EnrolAsync("n1");
            await node.JoinAsync(run);
            var offer = await node.PollAsync(run);
            var submission = new LabelStatisticsSubmission { RunId = run, Round = offer.Assignment.Round };
            submission.Statistics.Add(new LabelStatistic { Task = "click", Count = 4, Sum = 1 });

            var refused = await Assert.ThrowsAsync<RpcException>(async () => await host.Federation.SubmitLabelStatisticsAsync(submission, node.Headers));
            submission.Statistics.Add(new LabelStatistic { Task = "rating", Count = 2, Sum = 7 });
            var receipt = await host.Federation.SubmitLabelStatisticsAsync(submission, node.Headers);
            var after = await node.PollAsync(run);

            Assert.Equal(["click", "rating"], offer.Assignment.LabelStatistics.Tasks);
            Assert.Equal(0, offer.Assignment.ModelVersion);
            Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
            Assert.Equal("invalid-label-statistics", refused.Trailers.GetValue("federated-rejection"));
            Assert.Contains("'rating'", refused.Status.Detail, StringComparison.Ordinal);
            Assert.Equal((true, false, 1, 1L), (receipt.Accepted, receipt.Duplicate, receipt.NodesInRound, receipt.Round));
            Assert.Equal(1, after.LatestModelVersion);
            Assert.Null(after.Assignment?.LabelStatistics);
            Assert.Equal(1, after.Assignment?.ModelVersion);
        }
        finally
        {
            CoordinatorTestHost.DeleteDatabase(host.DatabasePath);
        }
    }
}
