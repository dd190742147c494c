using Federated.Protos.V1;
using Grpc.Core;

namespace Federated.Coordinator.Tests;

public sealed class AuthenticationTests
{
    [Fact]
    public async Task Join_MissingToken_Unauthenticated()
    {
        await using var host = await CoordinatorTestHost.StartAsync();
        try
        {
            await host.StartRunAsync(TestSpecs.RunConfig());

            var e = await Assert.ThrowsAsync<RpcException>(async () => await host.Federation.JoinAsync(new JoinRequest()));

            Assert.Equal(StatusCode.Unauthenticated, e.StatusCode);
        }
        finally
        {
            CoordinatorTestHost.DeleteDatabase(host.DatabasePath);
        }
    }

    [Fact]
    public async Task Join_WrongToken_Unauthenticated()
    {
        await using var host = await CoordinatorTestHost.StartAsync();
        try
        {
            await host.StartRunAsync(TestSpecs.RunConfig());
            await host.IssueTokenAsync("n1");

            var e = await Assert.ThrowsAsync<RpcException>(async () => await host.Federation.JoinAsync(new JoinRequest(), CoordinatorTestHost.Bearer("fnt_not-a-token")));

            Assert.Equal(StatusCode.Unauthenticated, e.StatusCode);
        }
        finally
        {
            CoordinatorTestHost.DeleteDatabase(host.DatabasePath);
        }
    }

    [Fact]
    public async Task Join_RevokedToken_PermissionDenied()
    {
        await using var host = await CoordinatorTestHost.StartAsync();
        try
        {
            await host.StartRunAsync(TestSpecs.RunConfig());
            var node = await host.EnrolAsync("n1");
            await node.JoinAsync();

            await host.Operator.RevokeTokenAsync(new RevokeTokenRequest { NodeId = "n1" }, CoordinatorTestHost.Admin);
            var e = await Assert.ThrowsAsync<RpcException>(() => node.JoinAsync());

            Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
            Assert.Contains("revoked", e.Status.Detail, StringComparison.Ordinal);
            var nodes = await host.Operator.ListNodesAsync(new ListNodesRequest(), CoordinatorTestHost.Admin);
            Assert.True(Assert.Single(nodes.Nodes).Revoked);
        }
        finally
        {
            CoordinatorTestHost.DeleteDatabase(host.DatabasePath);
        }
    }

    [Fact]
    public async Task IssueToken_Reissued_OldTokenStopsWorking()
    {
        await using var host = await CoordinatorTestHost.StartAsync();
        try
        {
            await host.StartRunAsync(TestSpecs.RunConfig());
            var old = await host.IssueTokenAsync("n1");
            var fresh = await host.IssueTokenAsync("n1");

            var e = await Assert.ThrowsAsync<RpcException>(async () => await host.Federation.JoinAsync(new JoinRequest(), CoordinatorTestHost.Bearer(old)));
            var reply = await host.Federation.JoinAsync(new JoinRequest(), CoordinatorTestHost.Bearer(fresh));

            Assert.Equal(StatusCode.Unauthenticated, e.StatusCode);
            Assert.Equal("n1", reply.NodeId);
        }
        finally
        {
            CoordinatorTestHost.DeleteDatabase(host.DatabasePath);
        }
    }

    [Theory]
    [InlineData(null)]
    [InlineData("wrong-admin-token-000000")]
    [InlineData("fnt_node-token")]
    public async Task OperatorCall_WithoutAdminToken_Unauthenticated(string? token)
    {
        await using var host = await CoordinatorTestHost.StartAsync();
        try
        {
            var headers = token is null ? new Metadata() : CoordinatorTestHost.Bearer(token);

            var e = await Assert.ThrowsAsync<RpcException>(async () => await host.Operator.IssueTokenAsync(new IssueTokenRequest { NodeId = "n1" }, headers));

            Assert.Equal(StatusCode.Unauthenticated, e.StatusCode);
        }
        finally
        {
            CoordinatorTestHost.DeleteDatabase(host.DatabasePath);
        }
    }
}
