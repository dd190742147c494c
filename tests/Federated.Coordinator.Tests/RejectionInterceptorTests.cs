using Federated.Coordinator.Grpc;
using Federated.Coordinator.Rounds;
using Federated.Protos.V1;
using Grpc.Core;

namespace Federated.Coordinator.Tests;

/// <summary>The one interceptor that turns engine refusals into statuses, over real gRPC and called directly.</summary>
public sealed class RejectionInterceptorTests
{
    [Fact]
    public async Task StartRun_EmptyConfig_InvalidArgumentNamingTheConfig()
    {
        await using var host = await CoordinatorTestHost.StartAsync();
        try
        {
            var e = await Assert.ThrowsAsync<RpcException>(async () => await host.Operator.StartRunAsync(new StartRunRequest { ConfigJson = "null" }, CoordinatorTestHost.Admin));

            Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
            Assert.Equal("run config: $: the run config is empty (null)", e.Status.Detail);
        }
        finally
        {
            CoordinatorTestHost.DeleteDatabase(host.DatabasePath);
        }
    }

    [Fact]
    public async Task IssueToken_MalformedNodeId_InvalidArgument()
    {
        await using var host = await CoordinatorTestHost.StartAsync();
        try
        {
            var e = await Assert.ThrowsAsync<RpcException>(async () => await host.Operator.IssueTokenAsync(new IssueTokenRequest { NodeId = "no spaces" }, CoordinatorTestHost.Admin));

            Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
            Assert.StartsWith("node id 'no spaces' must be", e.Status.Detail, StringComparison.Ordinal);
        }
        finally
        {
            CoordinatorTestHost.DeleteDatabase(host.DatabasePath);
        }
    }

    [Fact]
    public async Task ListRounds_UnknownRun_NotFoundWithRejectionTrailer()
    {
        await using var host = await CoordinatorTestHost.StartAsync();
        try
        {
            var e = await Assert.ThrowsAsync<RpcException>(async () => await host.Operator.ListRoundsAsync(new RunRequest { RunId = "no-such-run" }, CoordinatorTestHost.Admin));

            Assert.Equal(StatusCode.NotFound, e.StatusCode);
            Assert.Equal("unknown-run", e.Trailers.GetValue(RejectionStatus.TrailerKey));
            Assert.Equal("[unknown-run] no run 'no-such-run'", e.Status.Detail);
        }
        finally
        {
            CoordinatorTestHost.DeleteDatabase(host.DatabasePath);
        }
    }

    [Fact]
    public async Task ExportModel_UnknownRun_NotFoundOnTheStream()
    {
        await using var host = await CoordinatorTestHost.StartAsync();
        try
        {
            using var call = host.Operator.ExportModel(new ExportModelRequest { RunId = "no-such-run" }, CoordinatorTestHost.Admin);

            var e = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(CancellationToken.None));

            Assert.Equal(StatusCode.NotFound, e.StatusCode);
            Assert.Equal("unknown-run", e.Trailers.GetValue(RejectionStatus.TrailerKey));
        }
        finally
        {
            CoordinatorTestHost.DeleteDatabase(host.DatabasePath);
        }
    }

    [Theory]
    [InlineData("/federated.v1.Operator/PauseRun", true)]
    [InlineData("/federated.v1.Federation/Join", false)]
    public async Task UnaryServerHandler_InvalidOperation_FailedPreconditionOnOperatorCallsOnly(string method, bool mapped)
    {
        var interceptor = new RejectionInterceptor();
        var failure = new InvalidOperationException("run r1 is stopped, so it cannot be paused");

        var e = await Assert.ThrowsAnyAsync<Exception>(() =>
            interceptor.UnaryServerHandler<string, string>("request", new FakeServerCallContext(method), (_, _) => throw failure));

        if (mapped)
        {
            var status = Assert.IsType<RpcException>(e);
            Assert.Equal(StatusCode.FailedPrecondition, status.StatusCode);
            Assert.Equal(failure.Message, status.Status.Detail);
        }
        else
        {
            Assert.Same(failure, e);
        }
    }

    [Theory]
    [InlineData("/federated.v1.Operator/IssueToken", true)]
    [InlineData("/federated.v1.Federation/SubmitEvaluation", false)]
    public async Task UnaryServerHandler_ArgumentException_InvalidArgumentOnOperatorCallsOnly(string method, bool mapped)
    {
        var interceptor = new RejectionInterceptor();
        var failure = new ArgumentException("bad argument");

        var e = await Assert.ThrowsAnyAsync<Exception>(() =>
            interceptor.UnaryServerHandler<string, string>("request", new FakeServerCallContext(method), (_, _) => throw failure));

        Assert.Equal(mapped, e is RpcException { StatusCode: StatusCode.InvalidArgument });
        Assert.Equal(!mapped, ReferenceEquals(failure, e));
    }

    [Fact]
    public async Task ClientStreamingServerHandler_Rejection_StatusAndTrailer()
    {
        var interceptor = new RejectionInterceptor();

        var e = await Assert.ThrowsAsync<RpcException>(() => interceptor.ClientStreamingServerHandler<string, string>(
            null!,
            new FakeServerCallContext("/federated.v1.Federation/SubmitUpdate"),
            (_, _) => throw new RejectionException(Rejection.NormTooLarge, "norm 9 exceeds 5")));

        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.Equal("norm-too-large", e.Trailers.GetValue(RejectionStatus.TrailerKey));
        Assert.Equal("[norm-too-large] norm 9 exceeds 5", e.Status.Detail);
    }
}
