using Federated.Model.Parameters;
using Federated.Protos;
using Federated.Protos.V1;
using Grpc.Core;

namespace Federated.Coordinator.Tests;

/// <summary>A node that speaks the wire protocol with hand-made updates.</summary>
internal sealed class FakeNode
{
    private readonly Federation.FederationClient _client;

    public FakeNode(string id, string token, Federation.FederationClient client)
    {
        Id = id;
        Token = token;
        _client = client;
    }

    public string Id { get; }

    public string Token { get; }

    public Federation.FederationClient Client => _client;

    public Metadata Headers => CoordinatorTestHost.Bearer(Token);

    /// <summary>Joins a run and polls it once at once, as a real node does: a joined node is selectable from its first poll.</summary>
    public async Task<JoinReply> JoinAsync(string runId = "")
    {
        var reply = await JoinOnlyAsync(runId);
        await PollAsync(reply.RunId);
        return reply;
    }

    /// <summary>Leaves a run.</summary>
    public async Task LeaveAsync(string runId) =>
        await _client.LeaveAsync(new LeaveRequest { RunId = runId }, Headers);

    /// <summary>Joins a run without polling it: the node is a member but not selectable.</summary>
    public async Task<JoinReply> JoinOnlyAsync(string runId = "") =>
        await _client.JoinAsync(new JoinRequest { RunId = runId }, Headers);

    public async Task<WaitForAssignmentReply> PollAsync(string runId) =>
        await _client.WaitForAssignmentAsync(new WaitForAssignmentRequest { RunId = runId, MaxWaitMs = 0 }, Headers);

    /// <summary>Downloads a version's shared tensors by name.</summary>
    public async Task<Dictionary<string, float[]>> DownloadAsync(string runId, long version)
    {
        using var call = _client.DownloadModel(new DownloadModelRequest { RunId = runId, ModelVersion = version }, Headers);
        var tensors = new Dictionary<string, float[]>(StringComparer.Ordinal);
        var header = await ModelStreamReader.ReadAsync(call.ResponseStream, t => tensors[t.Name] = new float[(long)t.Rows * t.Columns]);
        Assert.Equal(version, header.ModelVersion);
        return tensors;
    }

    /// <summary>Uploads an update made of the given chunks after a header.</summary>
    public async Task<SubmitUpdateReply> SubmitAsync(UpdateHeader? header, IEnumerable<TensorChunk> chunks)
    {
        using var call = _client.SubmitUpdate(Headers);
        try
        {
            if (header is not null)
            {
                await call.RequestStream.WriteAsync(new UpdateChunk { Header = header });
            }

            foreach (var chunk in chunks)
            {
                await call.RequestStream.WriteAsync(new UpdateChunk { Tensor = chunk });
            }

            await call.RequestStream.CompleteAsync();
        }
        catch (Exception e) when (e is RpcException or InvalidOperationException)
        {
            // The coordinator may refuse as soon as the header arrives and end the call while the rest is being sent; a
            // write then fails (often as CANCELLED). As federation.proto tells clients: read the call's own status then.
        }

        return await call;
    }

    public UpdateHeader Header(string runId, long round, long baseVersion, long examples, long clickExamples, string? uploadId = null)
    {
        var header = new UpdateHeader
        {
            RunId = runId,
            Round = round,
            BaseVersion = baseVersion,
            NodeId = Id,
            UploadId = uploadId ?? $"{Id}-r{round}",
            Examples = examples,
        };
        header.TaskExamples.Add(new TaskExamples { Task = "click", Count = clickExamples });
        return header;
    }

    /// <summary>Dense chunks for every shared tensor of <paramref name="layout"/>, values from <paramref name="delta"/>.</summary>
    public static IEnumerable<TensorChunk> DenseChunks(ParameterLayout layout, Dictionary<string, float[]> delta) =>
        layout.InScope(Model.Spec.ParameterScope.Shared).SelectMany(t => TensorChunker.Dense(t.Name, delta[t.Name], 0, t.Length));
}
