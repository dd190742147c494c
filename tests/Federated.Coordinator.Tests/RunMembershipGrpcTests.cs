using Federated.Coordinator.Grpc;
using Federated.Model.Metrics;
using Federated.Protos.V1;
using Grpc.Core;

namespace Federated.Coordinator.Tests;

/// <summary>Over gRPC, only a node that joined a run may download its model or submit evaluations of it.</summary>
public sealed class RunMembershipGrpcTests
{
    [Fact]
    public async Task DownloadModel_NodeThatNeverJoined_FailedPreconditionNotJoinedUntilItJoins()
    {
        await using var host = await CoordinatorTestHost.StartAsync();
        try
        {
            var (run, _) = await RoundTests.StartRoundAsync(host);
            var outsider = await host.EnrolAsync("outsider");

            var e = await Assert.ThrowsAsync<RpcException>(() => outsider.DownloadAsync(run, 0));
            await outsider.JoinAsync(run);
            var model = await outsider.DownloadAsync(run, 0);

            Assert.Equal(StatusCode.FailedPrecondition, e.StatusCode);
            Assert.Equal("not-joined", e.Trailers.GetValue(RejectionStatus.TrailerKey));
            Assert.NotEmpty(model);
        }
        finally
        {
            CoordinatorTestHost.DeleteDatabase(host.DatabasePath);
        }
    }

    [Fact]
    public async Task SubmitEvaluation_NodeThatNeverJoined_FailedPreconditionNotJoinedAndNothingStored()
    {
        await using var host = await CoordinatorTestHost.StartAsync();
        try
        {
            var (run, _) = await RoundTests.StartRoundAsync(host);
            var outsider = await host.EnrolAsync("outsider");

            var e = await Assert.ThrowsAsync<RpcException>(async () => await host.Federation.SubmitEvaluationAsync(Evaluation(run), outsider.Headers));
            var rows = (await host.Operator.GetMetricsAsync(new RunRequest { RunId = run }, CoordinatorTestHost.Admin)).Rows;

            Assert.Equal(StatusCode.FailedPrecondition, e.StatusCode);
            Assert.Equal("not-joined", e.Trailers.GetValue(RejectionStatus.TrailerKey));
            Assert.Empty(rows);
        }
        finally
        {
            CoordinatorTestHost.DeleteDatabase(host.DatabasePath);
        }
    }

    [Fact]
    public async Task SubmitEvaluation_NodeThatPolled_Accepted()
    {
        await using var host = await CoordinatorTestHost.StartAsync();
        try
        {
            var (run, _) = await RoundTests.StartRoundAsync(host);
            var late = await host.EnrolAsync("late");
            await late.PollAsync(run);

            var reply = await host.Federation.SubmitEvaluationAsync(Evaluation(run), late.Headers);

            Assert.True(reply.Accepted);
            Assert.False(reply.Duplicate);
        }
        finally
        {
            CoordinatorTestHost.DeleteDatabase(host.DatabasePath);
        }
    }

    /// <summary>An evaluation of version 0 of <paramref name="run"/>: one rating summary of one example.</summary>
    internal static SubmitEvaluationRequest Evaluation(string run)
    {
        var summary = new RegressionMetricSummary();
        summary.Add(1f, 2f);
        var metric = new TaskSummary { Task = "rating" };
        metric.Values.Add(summary.ToArray());
        var request = new SubmitEvaluationRequest { RunId = run, ModelVersion = 0 };
        request.Metrics.Add(metric);
        return request;
    }
}
