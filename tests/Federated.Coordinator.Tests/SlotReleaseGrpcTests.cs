using Federated.Model.Parameters;
using Federated.Model.Spec;
using Federated.Protos.V1;
using Grpc.Core;

namespace Federated.Coordinator.Tests;

/// <summary>Over gRPC: revoking a selected node that has not sent releases its slot, so its round closes at once.</summary>
public sealed class SlotReleaseGrpcTests
{
    private static readonly ParameterLayout Layout = ParameterLayout.FromSpec(ModelSpec.FromJson(TestSpecs.SmallModel));

    [Fact]
    public async Task RevokeToken_TwoOfThreeSelectedSent_RoundCommitsAtOnceFromTheTwoAndTheRevokedNodeIsRefused()
    {
        await using var host = await CoordinatorTestHost.StartAsync();
        try
        {
            var (run, nodes) = await RoundTests.StartRoundAsync(host, TestSpecs.RunConfig(minClients: 3, quorum: 2, deadlineSeconds: 600));
            await nodes[0].SubmitAsync(nodes[0].Header(run, 1, 0, 10, 10), FakeNode.DenseChunks(Layout, RoundTests.MakeDelta(0)));
            await nodes[1].SubmitAsync(nodes[1].Header(run, 1, 0, 10, 10), FakeNode.DenseChunks(Layout, RoundTests.MakeDelta(1)));

            await host.Operator.RevokeTokenAsync(new RevokeTokenRequest { NodeId = nodes[2].Id }, CoordinatorTestHost.Admin);

            // The clock never moved: the round did not wait for its deadline.
            var round = (await host.Operator.ListRoundsAsync(new RunRequest { RunId = run }, CoordinatorTestHost.Admin)).Rounds[0];
            Assert.Equal((Protos.V1.RoundState.Committed, 2, 1L), (round.State, round.Updates, round.ResultVersion));
            var e = await Assert.ThrowsAsync<RpcException>(() => nodes[2].PollAsync(run));
            Assert.Equal("node-revoked", e.Trailers.GetValue("federated-rejection"));
        }
        finally
        {
            CoordinatorTestHost.DeleteDatabase(host.DatabasePath);
        }
    }
}
