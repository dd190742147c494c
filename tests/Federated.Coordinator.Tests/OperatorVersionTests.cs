using System.Globalization;
using Federated.Coordinator.Grpc;
using Federated.Model.Parameters;
using Federated.Model.Spec;
using Federated.Protos.V1;
using Grpc.Core;
using Microsoft.Extensions.Configuration;

namespace Federated.Coordinator.Tests;

/// <summary>
/// The operator's view of version retention over real gRPC: <c>ListVersions</c> and <c>KeepVersion</c>, and the refusal
/// of a deleted version by every call that reads one, on a coordinator with <c>Coordinator:KeepLastVersions = 2</c>.
/// </summary>
public sealed class OperatorVersionTests
{
    private static readonly ParameterLayout Layout = ParameterLayout.FromSpec(ModelSpec.FromJson(TestSpecs.SmallModel));

    /// <summary>Bytes of one stored version: the small model's shared tensors as float32.</summary>
    internal static readonly long VersionBytes = 4L * Layout.InScope(ParameterScope.Shared).Sum(t => (long)t.Length);

    [Fact]
    public async Task ListVersions_KeepLastTwoAfterFourRounds_KeepsVersionsZeroThreeAndFour()
    {
        await using var host = await StartHostAsync(keepLastVersions: 2);
        try
        {
            var (run, node) = await StartRunAsync(host);
            await CommitRoundsAsync(node, run, 1, 4);

            var versions = (await host.Operator.ListVersionsAsync(new RunRequest { RunId = run }, CoordinatorTestHost.Admin)).Versions;

            Assert.Equal([0L, 3L, 4L], versions.Select(v => v.ModelVersion));
            Assert.Equal([0L, 3L, 4L], versions.Select(v => v.Round));
            Assert.All(versions, v => Assert.False(v.Kept));
            Assert.All(versions, v => Assert.Equal(VersionBytes, v.Bytes));
            Assert.All(versions, v => Assert.Equal(host.Time.GetUtcNow().ToUnixTimeMilliseconds(), v.CreatedUnixMs));
        }
        finally
        {
            CoordinatorTestHost.DeleteDatabase(host.DatabasePath);
        }
    }

    [Fact]
    public async Task KeepVersion_MarkedBeforeItWouldBePruned_SurvivesUntilReleased()
    {
        await using var host = await StartHostAsync(keepLastVersions: 2);
        try
        {
            var (run, node) = await StartRunAsync(host);
            await CommitRoundsAsync(node, run, 1, 2);

            var reply = await host.Operator.KeepVersionAsync(new KeepVersionRequest { RunId = run, ModelVersion = 2, Keep = true }, CoordinatorTestHost.Admin);
            await CommitRoundsAsync(node, run, 3, 4);
            var kept = (await host.Operator.ListVersionsAsync(new RunRequest { RunId = run }, CoordinatorTestHost.Admin)).Versions;
            var released = await host.Operator.KeepVersionAsync(new KeepVersionRequest { RunId = run, ModelVersion = 2, Keep = false }, CoordinatorTestHost.Admin);
            await CommitRoundsAsync(node, run, 5, 5);
            var pruned = (await host.Operator.ListVersionsAsync(new RunRequest { RunId = run }, CoordinatorTestHost.Admin)).Versions;

            Assert.Equal(new KeepVersionReply { RunId = run, ModelVersion = 2, Kept = true }, reply);
            Assert.Equal([0L, 2L, 3L, 4L], kept.Select(v => v.ModelVersion));
            Assert.Equal([false, true, false, false], kept.Select(v => v.Kept));
            Assert.False(released.Kept);
            Assert.Equal([0L, 4L, 5L], pruned.Select(v => v.ModelVersion));
        }
        finally
        {
            CoordinatorTestHost.DeleteDatabase(host.DatabasePath);
        }
    }

    [Theory]
    [InlineData(1L)]
    [InlineData(2L)]
    [InlineData(99L)]
    public async Task KeepVersion_VersionNotStored_NotFoundWithRejectionTrailer(long version)
    {
        await using var host = await StartHostAsync(keepLastVersions: 2);
        try
        {
            var (run, node) = await StartRunAsync(host);
            await CommitRoundsAsync(node, run, 1, 4);

            var e = await Assert.ThrowsAsync<RpcException>(async () =>
                await host.Operator.KeepVersionAsync(new KeepVersionRequest { RunId = run, ModelVersion = version, Keep = true }, CoordinatorTestHost.Admin));

            Assert.Equal(StatusCode.NotFound, e.StatusCode);
            Assert.Equal("version-not-stored", e.Trailers.GetValue(RejectionStatus.TrailerKey));
            Assert.StartsWith("[version-not-stored] ", e.Status.Detail, StringComparison.Ordinal);
        }
        finally
        {
            CoordinatorTestHost.DeleteDatabase(host.DatabasePath);
        }
    }

    [Fact]
    public async Task ListVersions_UnknownRun_NotFoundWithRejectionTrailer()
    {
        await using var host = await CoordinatorTestHost.StartAsync();
        try
        {
            var e = await Assert.ThrowsAsync<RpcException>(async () => await host.Operator.ListVersionsAsync(new RunRequest { RunId = "no-such-run" }, CoordinatorTestHost.Admin));

            Assert.Equal(StatusCode.NotFound, e.StatusCode);
            Assert.Equal("unknown-run", e.Trailers.GetValue(RejectionStatus.TrailerKey));
        }
        finally
        {
            CoordinatorTestHost.DeleteDatabase(host.DatabasePath);
        }
    }

    [Fact]
    public async Task DownloadModel_DeletedVersion_NotFoundVersionNotStored()
    {
        await using var host = await StartHostAsync(keepLastVersions: 2);
        try
        {
            var (run, node) = await StartRunAsync(host);
            await CommitRoundsAsync(node, run, 1, 4);

            var e = await Assert.ThrowsAsync<RpcException>(() => node.DownloadAsync(run, 1));
            var stored = await node.DownloadAsync(run, 3);

            Assert.Equal(StatusCode.NotFound, e.StatusCode);
            Assert.Equal("version-not-stored", e.Trailers.GetValue(RejectionStatus.TrailerKey));
            Assert.Equal(Layout.InScope(ParameterScope.Shared).Select(t => t.Name).Order(StringComparer.Ordinal), stored.Keys.Order(StringComparer.Ordinal));
        }
        finally
        {
            CoordinatorTestHost.DeleteDatabase(host.DatabasePath);
        }
    }

    [Fact]
    public async Task ExportModel_DeletedVersion_NotFoundVersionNotStored()
    {
        await using var host = await StartHostAsync(keepLastVersions: 2);
        try
        {
            var (run, node) = await StartRunAsync(host);
            await CommitRoundsAsync(node, run, 1, 4);

            using var call = host.Operator.ExportModel(new ExportModelRequest { RunId = run, ModelVersion = 2 }, CoordinatorTestHost.Admin);
            var e = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(CancellationToken.None));

            Assert.Equal(StatusCode.NotFound, e.StatusCode);
            Assert.Equal("version-not-stored", e.Trailers.GetValue(RejectionStatus.TrailerKey));
        }
        finally
        {
            CoordinatorTestHost.DeleteDatabase(host.DatabasePath);
        }
    }

    /// <summary>A coordinator that keeps the newest <paramref name="keepLastVersions"/> versions of each run.</summary>
    internal static Task<CoordinatorTestHost> StartHostAsync(int keepLastVersions) =>
        CoordinatorTestHost.StartAsync(configure: builder => builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Coordinator:KeepLastVersions"] = keepLastVersions.ToString(CultureInfo.InvariantCulture),
        }));

    /// <summary>A run of 10 rounds with one node, which has joined and holds the assignment of round 1.</summary>
    internal static async Task<(string Run, FakeNode Node)> StartRunAsync(CoordinatorTestHost host)
    {
        var run = (await host.StartRunAsync(TestSpecs.RunConfig(rounds: 10, minClients: 1))).RunId;
        var node = await host.EnrolAsync("n1");
        await node.JoinAsync(run);
        var poll = await node.PollAsync(run);
        Assert.Equal(WaitForAssignmentReply.Types.Status.Assigned, poll.Status);
        Assert.Equal(1, poll.Assignment.Round);
        return (run, node);
    }

    /// <summary>The node's update for rounds <paramref name="first"/> to <paramref name="last"/>; each commits version r at once.</summary>
    internal static async Task CommitRoundsAsync(FakeNode node, string run, long first, long last)
    {
        for (var round = first; round <= last; round++)
        {
            var reply = await node.SubmitAsync(node.Header(run, round, round - 1, 10, 10), FakeNode.DenseChunks(Layout, RoundTests.MakeDelta(0, 0.01f)));
            Assert.True(reply.Accepted);
        }
    }
}
