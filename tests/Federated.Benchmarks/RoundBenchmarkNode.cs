using System.Diagnostics;
using Federated.Protos;
using Federated.Protos.V1;
using Grpc.Core;
using Grpc.Net.Client;

namespace Federated.Benchmarks;

/// <summary>
/// A node of the <c>round</c> benchmark: its own HTTP/2 connection and token; it joins, and for every assignment
/// downloads the model and uploads the same precomputed dense update, training nothing. It records, per round, when it
/// was assigned and when its upload was answered (the answer to the last upload of a round follows the commit).
/// </summary>
internal sealed class RoundBenchmarkNode : IDisposable
{
    /// <summary>Where every node copies the model it downloads: one buffer per tensor shared by all nodes (the values are not used).</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, float[]> Downloaded = new(StringComparer.Ordinal);

    private readonly GrpcChannel _channel;
    private readonly Federation.FederationClient _client;
    private readonly CallInvoker _invoker;
    private readonly Metadata _headers;
    private readonly string _id;
    private readonly string _host;

    public RoundBenchmarkNode(Uri address, string id, string token)
    {
        _id = id;
        _host = address.Host;
        _channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = false, InitialHttp2StreamWindowSize = new Federated.Client.Federation.GrpcConnectionOptions().Http2StreamWindowBytes },
            MaxReceiveMessageSize = 16 * 1024 * 1024,
            MaxSendMessageSize = 16 * 1024 * 1024,
        });
        _invoker = _channel.CreateCallInvoker();
        _client = new Federation.FederationClient(_invoker);
        _headers = new Metadata { { "authorization", "Bearer " + token } };
    }

    /// <summary>Per round: the stopwatch time it was assigned and the time its upload was answered.</summary>
    public Dictionary<long, (TimeSpan Assigned, TimeSpan Answered)> Rounds { get; } = [];

    /// <summary>Joins the run (the coordinator starts round 1 once every node has joined and polled).</summary>
    public async Task JoinAsync(string runId) => await _client.JoinAsync(new JoinRequest { RunId = runId }, _headers);

    /// <summary>Takes part until the run ends; <paramref name="answered"/> is told the round of each answered upload.</summary>
    /// <remarks>With <paramref name="uploadsOnly"/> the model is downloaded in round 1 (the warm-up) only.</remarks>
    /// <remarks>With <paramref name="bulk"/> (the update's tensors, dense, in layout order) it uploads through the bulk port.</remarks>
    public async Task RunAsync(string runId, IReadOnlyList<TensorChunk> update, long examples, int maxWaitMs, Stopwatch clock, Action<long> answered, bool uploadsOnly = false, IReadOnlyList<(string Name, float[] Values)>? bulk = null)
    {
        while (true)
        {
            var poll = await _client.WaitForAssignmentAsync(new WaitForAssignmentRequest { RunId = runId, MaxWaitMs = maxWaitMs }, _headers);
            if (poll.Status == WaitForAssignmentReply.Types.Status.RunEnded)
            {
                return;
            }

            if (poll.Status != WaitForAssignmentReply.Types.Status.Assigned)
            {
                continue;
            }

            var assignment = poll.Assignment;
            var assigned = clock.Elapsed;
            // As a real node downloads (GrpcCoordinatorConnection): values parsed into pooled buffers and copied into the model.
            if (!uploadsOnly || assignment.Round == 1)
            {
                var request = new DownloadModelRequest { RunId = runId, ModelVersion = assignment.ModelVersion };
                using var download = _invoker.AsyncServerStreamingCall(PooledCalls.DownloadModel, host: null, new CallOptions(_headers), request);
                await ModelStreamReader.ReadAsync(download.ResponseStream, Scratch);
            }

            var header = new UpdateHeader
            {
                RunId = runId,
                Round = assignment.Round,
                BaseVersion = assignment.ModelVersion,
                NodeId = _id,
                UploadId = $"{_id}-r{assignment.Round}",
                Examples = examples,
            };
            header.TaskExamples.Add(new TaskExamples { Task = "click", Count = examples });
            if (bulk is not null)
            {
                await UploadBulkAsync(header, bulk);
            }
            else
            {
                using var call = _client.SubmitUpdate(_headers);
                await call.RequestStream.WriteAsync(new UpdateChunk { Header = header });
                foreach (var chunk in update)
                {
                    await call.RequestStream.WriteAsync(new UpdateChunk { Tensor = chunk });
                }

                await call.RequestStream.CompleteAsync();
                await call;
            }

            Rounds[assignment.Round] = (assigned, clock.Elapsed);
            answered(assignment.Round);
        }
    }

    public void Dispose() => _channel.Dispose();

    /// <summary>As a real node's bulk upload (GrpcCoordinatorConnection): a ticket over gRPC, then the values over TCP and the answer.</summary>
    private async Task UploadBulkAsync(UpdateHeader header, IReadOnlyList<(string Name, float[] Values)> tensors)
    {
        var request = new BeginBulkUploadRequest { Header = header };
        request.Tensors.Add(tensors.Select(t => new BulkTensor { Name = t.Name }));
        var ticket = (await _client.BeginBulkUploadAsync(request, _headers)).Ticket;
        using var client = new System.Net.Sockets.TcpClient { NoDelay = true };
        await client.ConnectAsync(_host, ticket.Port);
        var stream = client.GetStream();
        var preamble = new byte[BulkUploadWire.PreambleBytes];
        BulkUploadWire.WritePreamble(ticket.Ticket.Span, preamble);
        await stream.WriteAsync(preamble);
        foreach (var (_, values) in tensors)
        {
            await stream.WriteAsync(BulkUploadWire.AsBytes(values, 0, values.Length));
        }

        var result = await BulkUploadWire.ReadResultAsync(stream, CancellationToken.None);
        if (result.Accepted is null)
        {
            throw new InvalidOperationException($"bulk upload refused: {result.Refused}");
        }
    }

    private static Memory<float> Scratch(TensorDescriptor tensor) => Downloaded.GetOrAdd(tensor.Name, _ => new float[(long)tensor.Rows * tensor.Columns]);
}
