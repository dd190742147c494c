using Federated.Model.Parameters;
using Federated.Model.Spec;
using Federated.Protos.V1;
using Grpc.Core;

namespace Federated.Coordinator.Tests;

/// <summary>
/// Over gRPC: a node that joined but never polled is not selected, and revoking or a Leave of a selected node that has
/// not sent releases its slot, so its round closes at once.
/// </summary>
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

    [Fact]
    public async Task Leave_SelectedNodeLeavesAndQuorumCannotBeMet_RoundFailsAtOnceAndTheRunFailsByPolicy()
    {
        await using var host = await CoordinatorTestHost.StartAsync();
        try
        {
            var (run, nodes) = await RoundTests.StartRoundAsync(host, TestSpecs.RunConfig(minClients: 3, quorum: 3, deadlineSeconds: 600, onNoQuorum: "fail"));
            await nodes[0].SubmitAsync(nodes[0].Header(run, 1, 0, 10, 10), FakeNode.DenseChunks(Layout, RoundTests.MakeDelta(0)));

            await nodes[2].LeaveAsync(run);

            var round = (await host.Operator.ListRoundsAsync(new RunRequest { RunId = run }, CoordinatorTestHost.Admin)).Rounds.Single();
            Assert.Equal((Protos.V1.RoundState.Failed, 1), (round.State, round.Updates));
            var info = (await host.Operator.ListRunsAsync(new ListRunsRequest(), CoordinatorTestHost.Admin)).Runs.Single();
            Assert.Equal(RunState.Failed, info.State);
        }
        finally
        {
            CoordinatorTestHost.DeleteDatabase(host.DatabasePath);
        }
    }

    [Fact]
    public async Task WaitForAssignment_OtherNodeJoinedButNeverPolled_NoRoundUntilItPolls()
    {
        await using var host = await CoordinatorTestHost.StartAsync();
        try
        {
            var run = (await host.StartRunAsync(TestSpecs.RunConfig(minClients: 2))).RunId;
            var polling = await host.EnrolAsync("n1");
            var silent = await host.EnrolAsync("n2");
            await polling.JoinAsync(run);
            await silent.JoinOnlyAsync(run);

            Assert.Null((await polling.PollAsync(run)).Assignment);
            Assert.Empty((await host.Operator.ListRoundsAsync(new RunRequest { RunId = run }, CoordinatorTestHost.Admin)).Rounds);

            Assert.Equal(1, (await silent.PollAsync(run)).Assignment.Round);
        }
        finally
        {
            CoordinatorTestHost.DeleteDatabase(host.DatabasePath);
        }
    }
}
