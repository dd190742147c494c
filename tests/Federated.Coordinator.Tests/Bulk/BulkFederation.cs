using System.Buffers.Binary;
using System.Net.Sockets;
using Federated.Model.Parameters;
using Federated.Model.Spec;
using Federated.Protos;
using Federated.Protos.V1;
using Google.Protobuf;
using Grpc.Net.Client;

namespace Federated.Coordinator.Tests.Bulk;

/// <summary>
/// A loopback coordinator with the bulk listener on, a run of <see cref="TestSpecs.SmallModel"/> with two nodes joined and
/// selected for round 1, and raw bulk connections for the tests to send exactly the bytes they want.
/// </summary>
internal sealed class BulkFederation : IAsyncDisposable
{
    private readonly GrpcChannel _channel;

    private BulkFederation(LoopbackCoordinator coordinator, GrpcChannel channel, string runId, IReadOnlyList<FakeNode> nodes)
    {
        Coordinator = coordinator;
        _channel = channel;
        RunId = runId;
        Nodes = nodes;
    }

    public LoopbackCoordinator Coordinator { get; }

    public string RunId { get; }

    public IReadOnlyList<FakeNode> Nodes { get; }

    public Operator.OperatorClient Admin => new(_channel);

    public static ParameterLayout Layout { get; } = ParameterLayout.FromSpec(ModelSpec.FromJson(TestSpecs.SmallModel));

    /// <summary>Starts the coordinator (bulk on unless <paramref name="settings"/> say otherwise), the run, and the nodes.</summary>
    public static async Task<BulkFederation> StartAsync(IReadOnlyDictionary<string, string?>? settings = null, int nodes = 2, string? runConfig = null)
    {
        var all = new Dictionary<string, string?> { ["BulkUpload:Enabled"] = "true" };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        var coordinator = await LoopbackCoordinator.StartAsync(all);
        var channel = GrpcChannel.ForAddress(coordinator.Address);
        var admin = new Operator.OperatorClient(channel);
        var federation = new Federation.FederationClient(channel);
        var run = (await admin.StartRunAsync(new StartRunRequest { ConfigJson = runConfig ?? TestSpecs.RunConfig(minClients: nodes) }, CoordinatorTestHost.Admin)).RunId;
        var joined = new List<FakeNode>();
        for (var i = 1; i <= nodes; i++)
        {
            var token = (await admin.IssueTokenAsync(new IssueTokenRequest { NodeId = $"n{i}" }, CoordinatorTestHost.Admin)).Token;
            var node = new FakeNode($"n{i}", token, federation);
            await node.JoinAsync(run);
            joined.Add(node);
        }

        foreach (var node in joined)
        {
            Assert.Equal(WaitForAssignmentReply.Types.Status.Assigned, (await node.PollAsync(run)).Status);
        }

        return new BulkFederation(coordinator, channel, run, joined);
    }

    /// <summary>A delta with distinct values at every position of every shared tensor.</summary>
    public static Dictionary<string, float[]> Delta(int k)
    {
        var delta = new Dictionary<string, float[]>(StringComparer.Ordinal);
        foreach (var tensor in Layout.InScope(ParameterScope.Shared))
        {
            delta[tensor.Name] = Enumerable.Range(0, tensor.Length).Select(i => (k * 0.01f) + (i * 1e-4f)).ToArray();
        }

        return delta;
    }

    /// <summary>Every shared tensor, dense, in layout order.</summary>
    public static IEnumerable<BulkTensor> DenseList() => Layout.InScope(ParameterScope.Shared).Select(t => new BulkTensor { Name = t.Name });

    /// <summary>The values of <paramref name="delta"/> for <paramref name="list"/> as the bulk wire lays them out.</summary>
    public static byte[] Values(IEnumerable<BulkTensor> list, Dictionary<string, float[]> delta)
    {
        var floats = new List<float>();
        foreach (var entry in list)
        {
            var values = delta[entry.Name];
            if (!entry.Sparse)
            {
                floats.AddRange(values);
                continue;
            }

            var columns = Layout[entry.Name].Columns;
            foreach (var row in entry.RowIds)
            {
                floats.AddRange(values.AsSpan(row * columns, columns).ToArray());
            }
        }

        var bytes = new byte[floats.Count * 4];
        for (var i = 0; i < floats.Count; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), floats[i]);
        }

        return bytes;
    }

    public static async Task<BeginBulkUploadReply> BeginAsync(FakeNode node, UpdateHeader header, IEnumerable<BulkTensor> list)
    {
        var request = new BeginBulkUploadRequest { Header = header };
        request.Tensors.Add(list);
        return await node.Client.BeginBulkUploadAsync(request, node.Headers);
    }

    /// <summary>Begins, connects, sends the preamble and every value, and reads the answer.</summary>
    public static async Task<BulkUploadResult> UploadAsync(FakeNode node, UpdateHeader header, IReadOnlyList<BulkTensor> list, Dictionary<string, float[]> delta)
    {
        var ticket = (await BeginAsync(node, header, list)).Ticket;
        Assert.NotNull(ticket);
        Assert.Equal(Values(list, delta).Length, ticket.ValueBytes);
        return await SendAsync(ticket.Port, Preamble(ticket.Ticket), Values(list, delta));
    }

    public static byte[] Preamble(ByteString ticket)
    {
        var preamble = new byte[BulkUploadWire.PreambleBytes];
        BulkUploadWire.WritePreamble(ticket.Span, preamble);
        return preamble;
    }

    /// <summary>Sends <paramref name="parts"/> on one new connection and reads the answer.</summary>
    public static async Task<BulkUploadResult> SendAsync(int port, params byte[][] parts)
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port);
        var stream = client.GetStream();
        foreach (var part in parts)
        {
            await stream.WriteAsync(part);
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        return await BulkUploadWire.ReadResultAsync(stream, timeout.Token);
    }

    /// <summary>Sends <paramref name="parts"/> on a new connection, then closes it without reading.</summary>
    public static async Task SendAndCloseAsync(int port, params byte[][] parts)
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port);
        var stream = client.GetStream();
        foreach (var part in parts)
        {
            await stream.WriteAsync(part);
        }
    }

    /// <summary>Reads from a connection until the coordinator closes it; true when it did within <paramref name="within"/>.</summary>
    public static async Task<bool> ClosedByCoordinatorAsync(TcpClient client, TimeSpan within)
    {
        using var timeout = new CancellationTokenSource(within);
        var buffer = new byte[1024];
        try
        {
            while (await client.GetStream().ReadAsync(buffer, timeout.Token) > 0)
            {
            }

            return true;
        }
        catch (IOException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        _channel.Dispose();
        await Coordinator.DisposeAsync();
    }
}
