using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using Federated.Client.Training;
using Federated.Model.Metrics;
using Federated.Model.Parameters;
using Federated.Model.Spec;
using Federated.Model.Training;
using Federated.Protos;
using Federated.Protos.V1;
using Grpc.Core;
using Grpc.Net.Client;

namespace Federated.Client.Federation;

/// <summary>
/// <see cref="ICoordinatorConnection"/> over gRPC (<c>federated.v1.Federation</c>): every call carries
/// <c>authorization: Bearer &lt;token&gt;</c>; downloads stream straight into the target's shared tensors after the layout
/// fingerprint is checked; uploads stream in chunks of ≤ 1 MiB, dense or row-sparse.
/// </summary>
/// <remarks>
/// Errors: a refusal by the coordinator (a <c>federated-rejection</c> trailer, or a status that retrying cannot change
/// such as <c>Unauthenticated</c>) becomes <see cref="UpdateRejectedException"/> with the reason in kebab case;
/// <c>Unavailable</c>, <c>DeadlineExceeded</c> and broken connections become <see cref="CoordinatorUnavailableException"/>.
/// A local tensor is never sent: an update that holds one is refused before anything goes out. Join before any other call.
/// </remarks>
public sealed partial class GrpcCoordinatorConnection : ICoordinatorConnection, IDisposable
{
    /// <summary>The trailer in which the coordinator names the reason of a rejection.</summary>
    public const string RejectionTrailer = "federated-rejection";

    private static Federated.Model.Training.LocalTrainingPlan ReadPlan(Protos.V1.LocalTrainingPlan? message, long round)
    {
        try
        {
            return message.ToPlan();
        }
        catch (TrainingPlanException e)
        {
            throw new InvalidDataException($"the assignment of round {round} asks for an impossible local training plan ({e.Key}: {e.Reason})", e);
        }
    }

    private readonly GrpcChannel _channel;
    private readonly Protos.V1.Federation.FederationClient _client;
    private readonly CallInvoker _invoker;
    private readonly Metadata _headers;
    private readonly GrpcConnectionOptions _options;
    private readonly Uri _address;
    private FederationJoin? _joined;
    private string? _joinedSpecJson;
    private string? _knownSpecJson;

    /// <summary>Opens a channel to the coordinator (nothing is sent until the first call).</summary>
    /// <param name="address">The coordinator's URL, e.g. <c>https://coordinator.example.org:5001</c> or <c>http://127.0.0.1:5000</c> (h2c).</param>
    /// <param name="token">The node's bearer token, issued by an operator.</param>
    /// <param name="options">Channel settings; defaults when null.</param>
    public GrpcCoordinatorConnection(Uri address, string token, GrpcConnectionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(address);
        ArgumentException.ThrowIfNullOrWhiteSpace(token);
        _options = options ?? new GrpcConnectionOptions();
        _address = address;
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.ChunkBytes, sizeof(float));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(_options.ChunkBytes, TensorBytes.MaxChunkBytes);
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.Http2StreamWindowBytes, 65_535);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(_options.Http2StreamWindowBytes, 16 * 1024 * 1024);
        _channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            MaxReceiveMessageSize = _options.MaxMessageBytes,
            MaxSendMessageSize = _options.MaxMessageBytes,
            // GrpcChannel's own default handler (several HTTP/2 connections when one is full), with a larger stream window.
            HttpHandler = _options.HttpHandler ?? new SocketsHttpHandler { EnableMultipleHttp2Connections = true, InitialHttp2StreamWindowSize = _options.Http2StreamWindowBytes },
            DisposeHttpClient = true,
            ThrowOperationCanceledOnCancellation = true,
        });
        _invoker = _channel.CreateCallInvoker();
        _client = new Protos.V1.Federation.FederationClient(_invoker);
        _headers = new Metadata { { "authorization", "Bearer " + token } };
    }

    /// <summary>The node's id as the coordinator knows it, after <see cref="JoinAsync"/>.</summary>
    public string? NodeId => _joined?.NodeId;

    /// <inheritdoc/>
    public async Task<FederationJoin> JoinAsync(string? runId, CancellationToken cancellationToken)
    {
        var reply = await CallAsync("join", () => _client.JoinAsync(new JoinRequest { RunId = runId ?? "" }, _headers, Deadline(_options.CallTimeout), cancellationToken).ResponseAsync, cancellationToken).ConfigureAwait(false);
        var joined = new FederationJoin(reply.NodeId, reply.RunId, ModelOf(reply.ModelSpecJson, reply.RunId), reply.LayoutFingerprint, reply.ModelVersion, PrivacyOf(reply.Privacy));
        _joined = joined;
        _joinedSpecJson = reply.ModelSpecJson;
        return joined;
    }

    /// <inheritdoc/>
    public async Task<AssignmentOffer> WaitForAssignmentAsync(string runId, TimeSpan maxWait, CancellationToken cancellationToken)
    {
        var request = new WaitForAssignmentRequest { RunId = runId, MaxWaitMs = (long)Math.Max(0, maxWait.TotalMilliseconds) };
        var reply = await CallAsync("wait for an assignment", () => _client.WaitForAssignmentAsync(request, _headers, Deadline(maxWait + _options.PollGrace), cancellationToken).ResponseAsync, cancellationToken).ConfigureAwait(false);
        switch (reply.Status)
        {
            case WaitForAssignmentReply.Types.Status.Assigned when reply.Assignment is { } a:
                var assignment = new TrainingAssignment { Round = a.Round, ModelVersion = a.ModelVersion, Plan = ReadPlan(a.Training, a.Round), SecureAggregation = ReadSecureSetup(a, runId), LabelStatisticsTasks = LabelStatisticsProto.TasksOf(a.LabelStatistics) };
                return new AssignmentOffer(AssignmentStatus.Assigned, assignment, DateTimeOffset.FromUnixTimeMilliseconds(a.DeadlineUnixMs), PrivacyOf(reply.Privacy));
            case WaitForAssignmentReply.Types.Status.RunEnded:
                return new AssignmentOffer(AssignmentStatus.RunEnded, Privacy: PrivacyOf(reply.Privacy));
            default:
                return new AssignmentOffer(AssignmentStatus.Wait, Privacy: PrivacyOf(reply.Privacy));
        }
    }

    private static RunPrivacy? PrivacyOf(PrivacySpent? privacy) =>
        privacy is null ? null : RunPrivacy.From(privacy.Epsilon, privacy.Delta, privacy.HasTargetEpsilon ? privacy.TargetEpsilon : null);

    /// <inheritdoc/>
    /// <exception cref="InvalidDataException">The stream is for another layout or version, misses a shared tensor, or carries a local one.</exception>
    public async Task DownloadModelAsync(string runId, long modelVersion, ParameterSet target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        var header = await CallAsync($"download version {modelVersion}", async () =>
        {
            // The generated call's wire form, with chunk values parsed into pooled buffers (PooledCalls) rather than an array
            // per 1 MiB chunk on the large-object heap; the reader gives each back once copied into the target.
            using var call = _invoker.AsyncServerStreamingCall(
                PooledCalls.DownloadModel, host: null, new CallOptions(_headers, Deadline(_options.TransferTimeout), cancellationToken), new DownloadModelRequest { RunId = runId, ModelVersion = modelVersion });
            var checkedHeader = false;
            return await ModelStreamReader.ReadAsync(call.ResponseStream, descriptor =>
            {
                // The reader asks for buffers right after reading the header (still Current), before any value arrives:
                // check the layout there, so a stream of another model never writes into the target.
                if (!checkedHeader)
                {
                    CheckHeader(call.ResponseStream.Current.Header, target.Layout, modelVersion);
                    checkedHeader = true;
                }

                return SharedBuffer(target, descriptor);
            }, cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);

        CheckHeader(header, target.Layout, modelVersion);
        var sent = header.Tensors.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        var missing = target.Layout.InScope(ParameterScope.Shared).FirstOrDefault(t => !sent.Contains(t.Name));
        if (missing is not null)
        {
            throw new InvalidDataException($"version {modelVersion} arrived without the shared tensor '{missing.Name}'");
        }
    }

    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException">Not joined, or the update holds a tensor that is not shared.</exception>
    public async Task<SubmitResult> SubmitUpdateAsync(string runId, string uploadId, LocalUpdate update, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(update);
        ArgumentException.ThrowIfNullOrEmpty(uploadId);
        var joined = RequireJoined();
        var layout = joined.Model.Layout;
        foreach (var delta in update.Delta.Tensors)
        {
            if (!layout.TryGet(delta.Name, out var tensor) || tensor.Scope != ParameterScope.Shared)
            {
                throw new InvalidOperationException($"the update holds '{delta.Name}', which is not a shared tensor of the model: it must not leave the node");
            }
        }

        var header = new UpdateHeader
        {
            RunId = runId,
            Round = update.Round,
            BaseVersion = update.ModelVersion,
            NodeId = joined.NodeId,
            UploadId = uploadId,
            Examples = update.ExampleCount,
        };

        // A shared head is weighted by its own task's labelled examples: every task gets a count, 0 when unlabelled here.
        foreach (var task in joined.Spec.Tasks)
        {
            header.TaskExamples.Add(new TaskExamples { Task = task.Name, Count = update.LabelledExamples.GetValueOrDefault(task.Name) });
        }

        foreach (var metric in update.TrainingMetrics)
        {
            header.TrainingMetrics.Add(ToProto(metric));
        }

        if (await TryBulkUploadAsync(header, update, cancellationToken).ConfigureAwait(false) is { } bulk)
        {
            return bulk;
        }

        var reply = await CallAsync($"upload round {update.Round}", async () =>
        {
            using var call = _client.SubmitUpdate(_headers, Deadline(_options.TransferTimeout), cancellationToken);
            try
            {
                await call.RequestStream.WriteAsync(new UpdateChunk { Header = header }, cancellationToken).ConfigureAwait(false);
                foreach (var delta in update.Delta.Tensors)
                {
                    var chunks = delta.Rows is null
                        ? TensorChunker.Dense(delta.Name, delta.Values, 0, delta.Values.Length, _options.ChunkBytes)
                        : TensorChunker.Sparse(delta.Name, delta.Rows, delta.Values, layout[delta.Name].Columns, _options.ChunkBytes);
                    foreach (var chunk in chunks)
                    {
                        await call.RequestStream.WriteAsync(new UpdateChunk { Tensor = chunk }, cancellationToken).ConfigureAwait(false);
                    }
                }

                await call.RequestStream.CompleteAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is InvalidOperationException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                // The coordinator ended the call early (a rejection, e.g. right after the header): the write fails, or is
                // cancelled when the call ended while it was under way; the status, awaited below, says why.
            }

            return await call.ResponseAsync.ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        return new SubmitResult(reply.Accepted, reply.Duplicate);
    }

    /// <inheritdoc/>
    public async Task<SubmitResult> SubmitEvaluationAsync(string runId, long modelVersion, IReadOnlyList<TaskMetrics> metrics, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        var request = new SubmitEvaluationRequest { RunId = runId, ModelVersion = modelVersion };
        foreach (var metric in metrics)
        {
            request.Metrics.Add(ToProto(metric));
        }

        var reply = await CallAsync($"evaluation of version {modelVersion}", () => _client.SubmitEvaluationAsync(request, _headers, Deadline(_options.CallTimeout), cancellationToken).ResponseAsync, cancellationToken).ConfigureAwait(false);
        return new SubmitResult(reply.Accepted, reply.Duplicate);
    }

    /// <inheritdoc/>
    public async Task<SubmitResult> SubmitLabelStatisticsAsync(string runId, long round, IReadOnlyList<TaskLabelStatistics> statistics, CancellationToken cancellationToken)
    {
        var request = LabelStatisticsProto.ToProto(runId, round, statistics);
        var reply = await CallAsync($"label statistics of round {round}", () => _client.SubmitLabelStatisticsAsync(request, _headers, Deadline(_options.CallTimeout), cancellationToken).ResponseAsync, cancellationToken).ConfigureAwait(false);
        return new SubmitResult(reply.Accepted, reply.Duplicate);
    }

    /// <inheritdoc/>
    public Task LeaveAsync(string runId, CancellationToken cancellationToken) => LeaveAsync(runId, LeaveReason.Unspecified, null, cancellationToken);

    /// <inheritdoc/>
    public async Task LeaveAsync(string runId, LeaveReason reason, string? detail, CancellationToken cancellationToken)
    {
        var request = new LeaveRequest { RunId = runId, Reason = ToProto(reason), Detail = LeaveDetail.Bound(detail) };
        await CallAsync("leave", () => _client.LeaveAsync(request, _headers, Deadline(_options.CallTimeout), cancellationToken).ResponseAsync, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public void Dispose() => _channel.Dispose();

    /// <summary>
    /// Whether a gRPC failure is worth retrying: the coordinator unreachable, slow, or the connection broken (an
    /// <c>Internal</c> or <c>Unknown</c> status counts when the client made it from a transport failure: a reset HTTP/2
    /// connection, an I/O or socket error, anywhere in the chain).
    /// </summary>
    internal static bool IsTransient(RpcException e) =>
        e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Cancelled
        || (e.StatusCode is StatusCode.Internal or StatusCode.Unknown && IsTransportFailure(e.Status.DebugException));

    private static bool IsTransportFailure(Exception? failure)
    {
        for (var e = failure; e is not null; e = e.InnerException)
        {
            if (e is HttpRequestException or IOException or SocketException or OperationCanceledException)
            {
                return true;
            }
        }

        return false;
    }

    private static Protos.V1.LeaveReason ToProto(LeaveReason reason) => reason switch
    {
        LeaveReason.RunEnded => Protos.V1.LeaveReason.RunEnded,
        LeaveReason.Stopped => Protos.V1.LeaveReason.Stopped,
        LeaveReason.Error => Protos.V1.LeaveReason.Error,
        _ => Protos.V1.LeaveReason.Unspecified,
    };

    /// <summary>The exception a failed call becomes: <see cref="UpdateRejectedException"/> or <see cref="CoordinatorUnavailableException"/>.</summary>
    internal static Exception Translate(RpcException e, string what)
    {
        ArgumentNullException.ThrowIfNull(e);
        var reason = e.Trailers.GetValue(RejectionTrailer);
        if (reason == UpdateRejectedException.NodeRevoked || (reason is null && e.StatusCode == StatusCode.PermissionDenied && e.Status.Detail.Contains("revoked", StringComparison.Ordinal)))
        {
            // The token check answers before any handler, without the trailer; either way it is one final line for the user.
            var node = RevokedNode().Match(e.Status.Detail) is { Success: true } m ? $" (node {m.Groups[1].Value})" : "";
            return new UpdateRejectedException(UpdateRejectedException.NodeRevoked, $"the operator revoked this node's token{node}; ask the operator for a new token", e);
        }

        if (reason is not null)
        {
            return new UpdateRejectedException(reason, $"{what}: the coordinator refused it: {e.Status.Detail}", e);
        }

        if (IsTransient(e))
        {
            return new CoordinatorUnavailableException(Unreachable(what, $"{e.StatusCode}: {e.Status.Detail}", e), e);
        }

        return new UpdateRejectedException(JsonNamingPolicy.KebabCaseLower.ConvertName(e.StatusCode.ToString()), $"{what}: the coordinator refused it ({e.StatusCode}): {e.Status.Detail}", e);
    }

    /// <summary>
    /// Runs one call and maps its failure: a stop asked through <paramref name="cancellationToken"/> stays an
    /// <see cref="OperationCanceledException"/>; every transport failure — an RPC status of a broken connection, an
    /// HTTP or I/O error (also mid-stream), a deadline, a cancellation that is not the caller's (the connection ended
    /// under the call) — becomes <see cref="CoordinatorUnavailableException"/>, which the callers retry; a refusal
    /// becomes <see cref="UpdateRejectedException"/>.
    /// </summary>
    private static async Task<T> CallAsync<T>(string what, Func<Task<T>> call, CancellationToken cancellationToken)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (Exception e) when (cancellationToken.IsCancellationRequested && e is OperationCanceledException or RpcException or HttpRequestException or IOException)
        {
            // Ours: whatever the transport made of the cancellation, it is a stop.
            throw e as OperationCanceledException ?? new OperationCanceledException($"{what}: stopped", e, cancellationToken);
        }
        catch (RpcException e)
        {
            throw Translate(e, what);
        }
        catch (HttpRequestException e)
        {
            throw new CoordinatorUnavailableException(Unreachable(what, e.Message, e), e);
        }
        catch (IOException e)
        {
            throw new CoordinatorUnavailableException($"{what}: the connection to the coordinator broke ({e.Message})", e);
        }
        catch (OperationCanceledException e)
        {
            // Not ours (checked above): the call's deadline passed, or the connection ended under the call.
            throw new CoordinatorUnavailableException($"{what}: the call ended without an answer (the deadline passed or the connection to the coordinator was lost)", e);
        }
    }

    /// <summary>"what: the coordinator is unreachable: CAUSE (detail)", the cause in words when the failure says it.</summary>
    private static string Unreachable(string what, string detail, Exception failure) =>
        ConnectionFailure.Describe(failure) is { } cause
            ? $"{what}: the coordinator is unreachable: {cause} ({detail})"
            : $"{what}: the coordinator is unreachable ({detail})";

    private static DateTime Deadline(TimeSpan timeout) => DateTime.UtcNow + timeout;

    private static TaskSummary ToProto(TaskMetrics metric)
    {
        var summary = new TaskSummary { Task = metric.TaskName };
        summary.Values.Add(metric.ToArray());
        return summary;
    }

    private static void CheckHeader(ModelHeader header, ParameterLayout layout, long modelVersion)
    {
        if (header.LayoutFingerprint != layout.Fingerprint)
        {
            throw new InvalidDataException($"version {header.ModelVersion} has model layout {header.LayoutFingerprint}, but this node's model has {layout.Fingerprint}");
        }

        if (header.ModelVersion != modelVersion)
        {
            throw new InvalidDataException($"asked for version {modelVersion}, the coordinator sent version {header.ModelVersion}");
        }
    }

    private static Memory<float> SharedBuffer(ParameterSet target, TensorDescriptor descriptor)
    {
        if (!target.Layout.TryGet(descriptor.Name, out var tensor))
        {
            throw new InvalidDataException($"the coordinator sent tensor '{descriptor.Name}', which the model does not have");
        }

        if (tensor.Scope != ParameterScope.Shared)
        {
            throw new InvalidDataException($"the coordinator sent tensor '{descriptor.Name}', which is local to nodes");
        }

        if (tensor.Rows != descriptor.Rows || tensor.Columns != descriptor.Columns)
        {
            throw new InvalidDataException($"tensor '{descriptor.Name}' arrived as {descriptor.Rows}x{descriptor.Columns}, the model has {tensor.Rows}x{tensor.Columns}");
        }

        return target.Values.AsMemory(tensor.Offset, tensor.Length);
    }

    private FederationJoin RequireJoined() => _joined ?? throw new InvalidOperationException("join a run before submitting");

    /// <summary>
    /// The compiled model of the spec <paramref name="json"/>: the previous join's when the spec is unchanged (a node joins
    /// again at the end of a run), <see cref="GrpcConnectionOptions.Model"/> when it is that model's, else compiled here.
    /// </summary>
    private CompiledModel ModelOf(string json, string runId)
    {
        if (_joined is { } previous && string.Equals(json, _joinedSpecJson, StringComparison.Ordinal))
        {
            return previous.Model;
        }

        if (_options.Model is { } known && string.Equals(json, _knownSpecJson ??= known.Spec.ToJson(), StringComparison.Ordinal))
        {
            return known;
        }

        try
        {
            return CompiledModel.Compile(ModelSpec.FromJson(json));
        }
        catch (Exception e) when (e is ModelSpecException or JsonException)
        {
            throw new InvalidDataException($"the coordinator's model spec of run '{runId}' cannot be read: {e.Message}", e);
        }
    }

    [GeneratedRegex("node '([^']*)'")]
    private static partial Regex RevokedNode();
}
