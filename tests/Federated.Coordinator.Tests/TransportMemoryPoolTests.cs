using Federated.Coordinator.Hosting;
using Federated.Model.Parameters;
using Federated.Model.Spec;
using Federated.Protos.V1;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;

namespace Federated.Coordinator.Tests;

/// <summary>Kestrel's buffers come from <see cref="TransportMemoryPool"/>: blocks of the configured size, reused, bounded.</summary>
public sealed class TransportMemoryPoolTests
{
    /// <summary>An item table of 20,000 × 8 floats: 640 KB of shared parameters, ten 64 KiB blocks per update.</summary>
    private const string MediumModel = """
        {
          "fields": [ { "name": "item", "dim": 8, "buckets": 20000, "scope": "shared" } ],
          "numeric": [],
          "trunk": { "kind": "shared-bottom", "hidden": [4], "levels": 1 },
          "tasks": [ { "name": "click", "kind": "binary", "tower": [2], "scope": "shared", "weight": 1 } ]
        }
        """;

    [Fact]
    public void Rent_AnySizeUpToABlock_ReturnsAWholeBlock()
    {
        using var pool = new TransportMemoryPool(65536, 1 << 20);

        using var small = pool.Rent(1);
        using var exact = pool.Rent(65536);
        using var unspecified = pool.Rent();

        Assert.Equal(65536, pool.MaxBufferSize);
        Assert.Equal(65536, small.Memory.Length);
        Assert.Equal(65536, exact.Memory.Length);
        Assert.Equal(65536, unspecified.Memory.Length);
        Assert.Throws<ArgumentOutOfRangeException>(() => pool.Rent(65537));
    }

    [Fact]
    public void Rent_AfterReturn_ReusesTheBlock()
    {
        using var pool = new TransportMemoryPool(4096, 1 << 20);
        var first = pool.Rent();
        var array = first.Memory;
        first.Dispose();

        using var second = pool.Rent();

        Assert.True(second.Memory.Span.Overlaps(array.Span));
        Assert.Equal(0, pool.RetainedBlocks);
    }

    [Fact]
    public void Dispose_Twice_BlockNeverHandedOutTwice()
    {
        using var pool = new TransportMemoryPool(4096, 1 << 20);
        var owner = pool.Rent();
        owner.Dispose();
        owner.Dispose();

        using var a = pool.Rent();
        using var b = pool.Rent();

        Assert.False(a.Memory.Span.Overlaps(b.Memory.Span));
    }

    [Fact]
    public void Return_BeyondRetainedBytes_DroppedToTheGc()
    {
        using var pool = new TransportMemoryPool(4096, 3 * 4096);
        var owners = Enumerable.Range(0, 10).Select(_ => pool.Rent()).ToList();

        owners.ForEach(o => o.Dispose());

        Assert.Equal(3, pool.RetainedBlocks);
    }

    [Fact]
    public void Rent_PoolDisposed_ObjectDisposed()
    {
        var pool = new TransportMemoryPool(4096, 1 << 20);
        var owner = pool.Rent();
        pool.Dispose();
        owner.Dispose();

        Assert.Equal(0, pool.RetainedBlocks);
        Assert.Throws<ObjectDisposedException>(() => pool.Rent());
    }

    [Fact]
    public async Task SubmitUpdate_OverKestrelWithLargeBlocks_AggregateExactAndBlocksFromThePool()
    {
        await using var coordinator = await LoopbackCoordinator.StartAsync(new Dictionary<string, string?> { ["Coordinator:TransportBlockBytes"] = "65536" });
        using var channel = GrpcChannel.ForAddress(coordinator.Address, new GrpcChannelOptions { MaxReceiveMessageSize = null });
        var admin = new Operator.OperatorClient(channel);
        var federation = new Federation.FederationClient(channel);
        var run = (await admin.StartRunAsync(new StartRunRequest { ConfigJson = TestSpecs.RunConfig(MediumModel, minClients: 2) }, CoordinatorTestHost.Admin)).RunId;
        var nodes = new List<FakeNode>();
        foreach (var id in new[] { "n1", "n2" })
        {
            var token = (await admin.IssueTokenAsync(new IssueTokenRequest { NodeId = id }, CoordinatorTestHost.Admin)).Token;
            var node = new FakeNode(id, token, federation);
            await node.JoinAsync(run);
            nodes.Add(node);
        }

        foreach (var node in nodes)
        {
            Assert.Equal(WaitForAssignmentReply.Types.Status.Assigned, (await node.PollAsync(run)).Status);
        }

        var layout = ParameterLayout.FromSpec(ModelSpec.FromJson(MediumModel));
        var global = await nodes[0].DownloadAsync(run, 0);
        var deltas = new[] { Delta(layout, 1), Delta(layout, 2) };
        long[] examples = [10, 30];
        for (var k = 0; k < 2; k++)
        {
            Assert.True((await nodes[k].SubmitAsync(nodes[k].Header(run, 1, 0, examples[k], examples[k]), FakeNode.DenseChunks(layout, deltas[k]))).Accepted);
        }

        var next = await nodes[0].DownloadAsync(run, 1);
        foreach (var (name, values) in next)
        {
            for (var i = 0; i < values.Length; i++)
            {
                Assert.Equal(global[name][i] + (((10.0 * deltas[0][name][i]) + (30.0 * deltas[1][name][i])) / 40), values[i], 1e-6);
            }
        }

        var factory = Assert.IsType<TransportMemoryPoolFactory>(coordinator.Services.GetRequiredService<IMemoryPoolFactory<byte>>());
        Assert.True(factory.PoolsCreated > 0);
        Assert.True(factory.BlocksAllocated > 0);
        using var pool = factory.Create();
        Assert.Equal(65536, pool.MaxBufferSize);
    }

    /// <summary>A delta with distinct values at every position, so that a block boundary that shifted bytes would show.</summary>
    private static Dictionary<string, float[]> Delta(ParameterLayout layout, int k)
    {
        var delta = new Dictionary<string, float[]>(StringComparer.Ordinal);
        foreach (var tensor in layout.InScope(ParameterScope.Shared))
        {
            delta[tensor.Name] = Enumerable.Range(0, (int)tensor.Length).Select(i => (k * 0.001f) + (i * 1e-6f)).ToArray();
        }

        return delta;
    }
}
