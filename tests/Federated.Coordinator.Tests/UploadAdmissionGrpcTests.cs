using Federated.Coordinator.Grpc;
using Federated.Model.Parameters;
using Federated.Model.Spec;
using Federated.Protos.V1;
using Grpc.Core;

namespace Federated.Coordinator.Tests;

/// <summary>An upload is refused right after its header, before the coordinator reads (or allocates for) any tensor.</summary>
public sealed class UploadAdmissionGrpcTests
{
    /// <summary>Far longer than an answer takes; only reached when the server waits for the rest of the stream.</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private static readonly ParameterLayout Layout = ParameterLayout.FromSpec(ModelSpec.FromJson(TestSpecs.SmallModel));

    [Theory]
    [InlineData("not-selected", StatusCode.PermissionDenied)]
    [InlineData("never-joined", StatusCode.PermissionDenied)]
    [InlineData("unknown-run", StatusCode.NotFound)]
    [InlineData("stale-round", StatusCode.FailedPrecondition)]
    [InlineData("no-shared-task-count", StatusCode.InvalidArgument)]
    public async Task SubmitUpdate_HeaderThatCannotCount_RefusedBeforeAnyTensorIsSent(string scenario, StatusCode code)
    {
        await using var host = await CoordinatorTestHost.StartAsync();
        try
        {
            // n1 and n2 are selected for round 1 (2 per round); n3 joins afterwards and is not; n4 never joins.
            var run = (await host.StartRunAsync(TestSpecs.RunConfig(minClients: 2, nodesPerRound: 2, rounds: 2))).RunId;
            var n1 = await host.EnrolAsync("n1");
            var n2 = await host.EnrolAsync("n2");
            var n3 = await host.EnrolAsync("n3");
            var n4 = await host.EnrolAsync("n4");
            await n1.JoinAsync(run);
            await n2.JoinAsync(run);
            await n3.JoinAsync(run);
            if (scenario == "stale-round")
            {
                var good = RoundTests.MakeDelta(0, 0.1f);
                await n1.SubmitAsync(n1.Header(run, 1, 0, 10, 10), FakeNode.DenseChunks(Layout, good));
                await n2.SubmitAsync(n2.Header(run, 1, 0, 10, 10), FakeNode.DenseChunks(Layout, good));
            }

            var (node, header, reason) = scenario switch
            {
                "not-selected" => (n3, n3.Header(run, 1, 0, 10, 10), "not-selected"),
                "never-joined" => (n4, n4.Header(run, 1, 0, 10, 10), "not-selected"),
                "unknown-run" => (n1, n1.Header("run-99", 1, 0, 10, 10), "unknown-run"),
                "stale-round" => (n1, n1.Header(run, 1, 0, 10, 10, "another-upload"), "stale-round"),
                _ => (n1, WithoutTaskCounts(n1.Header(run, 1, 0, 10, 10)), "invalid-example-count"),
            };

            // Only the header is sent and the stream is left open: the answer cannot wait for the tensors.
            using var call = host.Federation.SubmitUpdate(node.Headers);
            try
            {
                await call.RequestStream.WriteAsync(new UpdateChunk { Header = header });
            }
            catch (Exception w) when (w is RpcException or InvalidOperationException)
            {
                // The refusal can end the call before the header's write has completed (seen once for never-joined): the
                // write then fails, and, as federation.proto tells clients, the call's own status is the answer.
            }

            var e = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync.WaitAsync(Patience));

            Assert.Equal(code, e.StatusCode);
            Assert.Equal(reason, e.Trailers.GetValue(RejectionStatus.TrailerKey));
        }
        finally
        {
            CoordinatorTestHost.DeleteDatabase(host.DatabasePath);
        }
    }

    [Fact]
    public async Task SubmitUpdate_RetryOfACountedUploadSentWhole_AnsweredDuplicate()
    {
        await using var host = await CoordinatorTestHost.StartAsync();
        try
        {
            var run = (await host.StartRunAsync(TestSpecs.RunConfig(minClients: 2))).RunId;
            var n1 = await host.EnrolAsync("n1");
            var n2 = await host.EnrolAsync("n2");
            await n1.JoinAsync(run);
            await n2.JoinAsync(run);
            var good = RoundTests.MakeDelta(0, 0.1f);
            await n1.SubmitAsync(n1.Header(run, 1, 0, 10, 10), FakeNode.DenseChunks(Layout, good));

            var retried = await n1.SubmitAsync(n1.Header(run, 1, 0, 10, 10), FakeNode.DenseChunks(Layout, good));

            Assert.True(retried.Accepted);
            Assert.True(retried.Duplicate);
            Assert.Equal(1, retried.UpdatesInRound);
            Assert.Equal(1, (await host.Operator.ListRoundsAsync(new RunRequest { RunId = run }, CoordinatorTestHost.Admin)).Rounds.Single().Updates);
        }
        finally
        {
            CoordinatorTestHost.DeleteDatabase(host.DatabasePath);
        }
    }

    private static UpdateHeader WithoutTaskCounts(UpdateHeader header)
    {
        header.TaskExamples.Clear();
        return header;
    }
}
