using System.Security.Cryptography;
using Federated.Model.Parameters;
using Federated.Model.Spec;
using Federated.Protos;
using Federated.Protos.V1;
using Grpc.Core;

namespace Federated.Coordinator.Tests.Faults;

/// <summary>Where in a scripted run the coordinator may be killed. Declared in the order a run visits them.</summary>
internal enum KillPoint
{
    /// <summary>Before a node's Join.</summary>
    BeforeJoin,

    /// <summary>After a node's Join was answered.</summary>
    AfterJoin,

    /// <summary>Before a node uploads its update of a round: between the updates of a round.</summary>
    BeforeUpdate,

    /// <summary>After the header and half of an update's chunks were sent.</summary>
    MidUpload,

    /// <summary>After the round's last update was sent completely, before its reply: while the round commits.</summary>
    DuringCommit,
}

/// <summary>One place of a scripted run: the version trained (-1 while joining), the node, the point.</summary>
internal readonly record struct ScriptPoint(long Version, int Node, KillPoint Kind) : IComparable<ScriptPoint>
{
    public int CompareTo(ScriptPoint other) =>
        Version != other.Version ? Version.CompareTo(other.Version) : Node != other.Node ? Node.CompareTo(other.Node) : Kind.CompareTo(other.Kind);
}

/// <summary>
/// A run driven by deterministic fake nodes over real gRPC against a <see cref="CoordinatorProcess"/>: the nodes join,
/// then each round every node polls (a heartbeat), and the selected nodes upload, one after the other in node order, an
/// update that is a fixed function of node and base version (no training). At every <see cref="ScriptPoint"/> the
/// run asks <c>kill</c> whether to SIGKILL the coordinator there; if so it starts it again on the same file and the
/// nodes carry on as a real node does: an upload that failed is sent again under the same upload id, and a node polls
/// again, so an update the restart dropped is sent again. After a restart the round's uploads start over from the
/// first node, so the aggregate is always summed in the same order.
/// </summary>
internal sealed class ScriptedRun
{
    /// <summary>More round trips than this means a round that never completes.</summary>
    private const int MaxIterations = 500;

    /// <summary>A bound on every call, so that a coordinator that stops answering fails the test instead of hanging it.</summary>
    private static readonly TimeSpan CallBound = TimeSpan.FromSeconds(60);

    private readonly CoordinatorProcess _coordinator;
    private readonly Func<ScriptPoint, bool> _kill;
    private readonly ParameterLayout _layout;
    private readonly Node[] _nodes;

    public ScriptedRun(CoordinatorProcess coordinator, string modelSpecJson, int nodes, Func<ScriptPoint, bool> kill)
    {
        _coordinator = coordinator;
        _kill = kill;
        _layout = ParameterLayout.FromSpec(ModelSpec.FromJson(modelSpecJson));
        _nodes = [.. Enumerable.Range(0, nodes).Select(k => new Node(k, $"node-{k}"))];
    }

    /// <summary>The kills made, in order.</summary>
    public List<ScriptPoint> Kills { get; } = [];

    /// <summary>Uploads answered duplicate = true: retries of an update the coordinator had already counted.</summary>
    public int Duplicates { get; private set; }

    /// <summary>Uploads answered with a new acceptance.</summary>
    public int Accepted { get; private set; }

    /// <summary>Creates the run from <paramref name="configJson"/>, drives it to its end, and returns its id.</summary>
    public async Task<string> RunAsync(string configJson)
    {
        var runId = (await _coordinator.Operator.StartRunAsync(new StartRunRequest { ConfigJson = configJson }, Bounded(CoordinatorTestHost.Admin))).RunId;
        foreach (var node in _nodes)
        {
            node.Token = (await _coordinator.Operator.IssueTokenAsync(new IssueTokenRequest { NodeId = node.Id }, Bounded(CoordinatorTestHost.Admin))).Token;
        }

        foreach (var node in _nodes)
        {
            await KillIfPlannedAsync(new ScriptPoint(-1, node.Index, KillPoint.BeforeJoin));
            await _coordinator.Federation.JoinAsync(new JoinRequest { RunId = runId }, Bounded(node.Headers));
            await KillIfPlannedAsync(new ScriptPoint(-1, node.Index, KillPoint.AfterJoin));
        }

        for (var iteration = 0; iteration < MaxIterations; iteration++)
        {
            // Every node polls first, so that all are connected before any uploads: a round started by a later poll
            // would otherwise let a later node upload before an earlier one.
            var ended = false;
            foreach (var node in _nodes)
            {
                ended |= (await PollAsync(runId, node)).Status == WaitForAssignmentReply.Types.Status.RunEnded;
            }

            if (ended)
            {
                return runId;
            }

            foreach (var node in _nodes)
            {
                if (!await TakeTurnAsync(runId, node))
                {
                    break;
                }
            }
        }

        throw new InvalidOperationException($"the run did not end within {MaxIterations} round trips; kills so far: {string.Join(", ", Kills)}\n{_coordinator.Output()}");
    }

    /// <summary>The final version's tensors, downloaded by the first node and hashed: SHA-256 over each name and its float32 bytes, in stream order.</summary>
    public async Task<string> HashVersionAsync(string runId, long version)
    {
        using var call = _coordinator.Federation.DownloadModel(new DownloadModelRequest { RunId = runId, ModelVersion = version }, Bounded(_nodes[0].Headers));
        var tensors = new List<(string Name, float[] Values)>();
        await ModelStreamReader.ReadAsync(call.ResponseStream, t =>
        {
            var values = new float[(long)t.Rows * t.Columns];
            tensors.Add((t.Name, values));
            return values;
        });
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var (name, values) in tensors)
        {
            hash.AppendData(System.Text.Encoding.UTF8.GetBytes(name));
            hash.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>
    /// One node's turn: send again an upload that failed, or else poll and upload if assigned. False when the
    /// coordinator was killed meanwhile: the round's uploads then start over from the first node.
    /// </summary>
    private async Task<bool> TakeTurnAsync(string runId, Node node)
    {
        if (node.Pending is { } pending)
        {
            // The resend is this node's whole turn: were it to poll now, it could upload for the round the resend
            // just completed before the nodes ahead of it.
            return await UploadAsync(node, pending);
        }

        var poll = await PollAsync(runId, node);
        if (poll.Status != WaitForAssignmentReply.Types.Status.Assigned)
        {
            return true;
        }

        var assignment = poll.Assignment;
        if (await KillIfPlannedAsync(new ScriptPoint(assignment.ModelVersion, node.Index, KillPoint.BeforeUpdate)))
        {
            return false;
        }

        // A real node trains on the version it downloads; this one only proves it can download it.
        using (var download = _coordinator.Federation.DownloadModel(new DownloadModelRequest { RunId = runId, ModelVersion = assignment.ModelVersion }, Bounded(node.Headers)))
        {
            await ModelStreamReader.ReadAsync(download.ResponseStream, t => new float[(long)t.Rows * t.Columns]);
        }

        node.Pending = new PendingUpload(runId, assignment.Round, assignment.ModelVersion);
        return await UploadAsync(node, node.Pending);
    }

    /// <summary>Sends <paramref name="upload"/>; false when the coordinator was killed during it (the upload stays pending).</summary>
    private async Task<bool> UploadAsync(Node node, PendingUpload upload)
    {
        var chunks = UpdateChunks(node.Index, upload.Version);
        var last = node.Index == _nodes.Length - 1;
        try
        {
            using var call = _coordinator.Federation.SubmitUpdate(Bounded(node.Headers));
            await call.RequestStream.WriteAsync(new UpdateChunk { Header = Header(node, upload) });
            for (var i = 0; i < chunks.Count; i++)
            {
                if (i == chunks.Count / 2 && await KillIfPlannedAsync(new ScriptPoint(upload.Version, node.Index, KillPoint.MidUpload)))
                {
                    return false;
                }

                await call.RequestStream.WriteAsync(new UpdateChunk { Tensor = chunks[i] });
            }

            await call.RequestStream.CompleteAsync();
            if (last && await KillIfPlannedAsync(new ScriptPoint(upload.Version, node.Index, KillPoint.DuringCommit)))
            {
                return false;
            }

            var reply = await call;
            Accepted += reply.Duplicate ? 0 : 1;
            Duplicates += reply.Duplicate ? 1 : 0;
        }
        catch (RpcException e) when (e.Trailers.GetValue("federated-rejection") == "stale-round")
        {
            // The round closed without needing this update again: nothing to resend.
        }

        node.Pending = null;
        return true;
    }

    private async Task<WaitForAssignmentReply> PollAsync(string runId, Node node) =>
        await _coordinator.Federation.WaitForAssignmentAsync(new WaitForAssignmentRequest { RunId = runId, MaxWaitMs = 0 }, Bounded(node.Headers));

    private static CallOptions Bounded(Metadata headers) => new(headers, DateTime.UtcNow + CallBound);

    private async Task<bool> KillIfPlannedAsync(ScriptPoint point)
    {
        if (!_kill(point))
        {
            return false;
        }

        _coordinator.Kill();
        Kills.Add(point);
        await _coordinator.StartAsync();
        return true;
    }

    private static UpdateHeader Header(Node node, PendingUpload upload)
    {
        var examples = 10 + (5 * node.Index) + upload.Version;
        var header = new UpdateHeader
        {
            RunId = upload.RunId,
            Round = upload.Round,
            BaseVersion = upload.Version,
            NodeId = node.Id,
            UploadId = $"{node.Id}-r{upload.Round}-v{upload.Version}",
            Examples = examples,
        };
        header.TaskExamples.Add(new TaskExamples { Task = "click", Count = examples - node.Index });
        return header;
    }

    /// <summary>The update of node <paramref name="node"/> trained from <paramref name="version"/>: every shared tensor dense, in chunks of 4 values.</summary>
    private List<TensorChunk> UpdateChunks(int node, long version)
    {
        var chunks = new List<TensorChunk>();
        var j = 0;
        foreach (var tensor in _layout.InScope(ParameterScope.Shared))
        {
            var values = new float[tensor.Length];
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = (float)(0.05 * Math.Sin(1 + (node * 1000) + (version * 31) + (j * 7) + (i * 0.7)));
            }

            chunks.AddRange(TensorChunker.Dense(tensor.Name, values, 0, values.Length, maxChunkBytes: 16));
            j++;
        }

        return chunks;
    }

    private sealed record PendingUpload(string RunId, long Round, long Version);

    private sealed class Node(int index, string id)
    {
        public int Index { get; } = index;

        public string Id { get; } = id;

        public string Token { get; set; } = "";

        public Metadata Headers => CoordinatorTestHost.Bearer(Token);

        public PendingUpload? Pending { get; set; }
    }
}
