using Federated.Coordinator.Hosting;
using Federated.Coordinator.Rounds;
using Federated.Coordinator.Security;
using Federated.Coordinator.Uploads;
using Federated.Model.Metrics;
using Federated.Protos;
using Federated.Protos.V1;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

namespace Federated.Coordinator.Grpc;

/// <summary>
/// The node service: a thin adapter from messages to the <see cref="RoundEngine"/>. Every RPC requires a node token
/// (<see cref="CoordinatorAuthorization.NodePolicy"/>); engine refusals become statuses in <see cref="RejectionInterceptor"/>.
/// </summary>
[Authorize(Policy = CoordinatorAuthorization.NodePolicy)]
[BindServiceMethod(typeof(FederationService), nameof(BindNothing))]
public sealed partial class FederationService : Federation.FederationBase
{
    /// <summary>The bound of <c>LeaveRequest.detail</c> stated in federation.proto.</summary>
    private const int MaxLeaveDetailChars = 500;

    private readonly RoundEngine _engine;
    private readonly CoordinatorOptions _options;
    private readonly TimeProvider _time;
    private readonly UploadSlots _slots;
    private readonly TensorArrayPool _arrays;
    private readonly ILogger<FederationService> _logger;
    private readonly Bulk.BulkUploadListener _bulk;
    private readonly Bulk.BulkUploadTickets _tickets;

    /// <summary>Creates the service.</summary>
    public FederationService(
        RoundEngine engine,
        IOptions<CoordinatorOptions> options,
        TimeProvider time,
        UploadSlots slots,
        TensorArrayPool arrays,
        Bulk.BulkUploadListener bulk,
        Bulk.BulkUploadTickets tickets,
        ILogger<FederationService> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _engine = engine;
        _options = options.Value;
        _time = time;
        _slots = slots;
        _arrays = arrays;
        _bulk = bulk;
        _tickets = tickets;
        _logger = logger;
    }

    /// <summary>
    /// Binds nothing, so that grpc-dotnet's default binder leaves this service to <see cref="ValidatingMethodProvider{TService}"/>,
    /// which binds the same methods with request marshallers that refuse malformed messages with InvalidArgument.
    /// </summary>
    /// <param name="binder">Unused.</param>
    /// <param name="service">Unused.</param>
    public static void BindNothing(ServiceBinderBase binder, FederationService service)
    {
    }

    /// <inheritdoc />
    public override Task<JoinReply> Join(JoinRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var node = context.GetNodeId();
        var result = _engine.Join(node, request.RunId);
        GrpcLog.NodeJoined(_logger, node, result.Run.RunId);
        return Task.FromResult(new JoinReply
        {
            NodeId = node,
            RunId = result.Run.RunId,
            ModelSpecJson = result.Spec.ToJson(),
            LayoutFingerprint = result.Run.LayoutFingerprint,
            ModelVersion = result.Run.ModelVersion,
            RunState = ProtoMapping.ToProto(result.Run.Status),
            Privacy = ProtoMapping.PrivacyOf(result.Run),
        });
    }

    /// <inheritdoc />
    public override async Task<WaitForAssignmentReply> WaitForAssignment(WaitForAssignmentRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var node = context.GetNodeId();
        var wait = TimeSpan.FromMilliseconds(Math.Clamp(request.MaxWaitMs, 0, (long)(_options.MaxWaitSeconds * 1000)));
        var poll = await _engine.WaitForAssignmentAsync(node, request.RunId, wait, context.CancellationToken).ConfigureAwait(false);

        // Read after the poll, so a node that sees its round gone (WAIT) or the run ended also sees the version that
        // round or run committed; versions never decrease.
        var run = _engine.GetRun(request.RunId);
        var reply = new WaitForAssignmentReply { RunState = ProtoMapping.ToProto(poll.RunStatus), LatestModelVersion = run.ModelVersion, Privacy = ProtoMapping.PrivacyOf(run) };
        if (poll.Assignment is { } a)
        {
            reply.Status = WaitForAssignmentReply.Types.Status.Assigned;
            reply.Assignment = new Protos.V1.Assignment
            {
                RunId = a.RunId,
                Round = a.Round,
                ModelVersion = a.ModelVersion,
                DeadlineUnixMs = a.Deadline.ToUnixTimeMilliseconds(),
                Training = a.Plan.ToProto(),
                SecureAggregation = a.SecureAggregation?.ToProto(),
                LabelStatistics = LabelStatisticsProto.ToRequest(a.LabelStatisticsTasks),
            };
        }
        else
        {
            reply.Status = poll.RunEnded ? WaitForAssignmentReply.Types.Status.RunEnded : WaitForAssignmentReply.Types.Status.Wait;
        }

        return reply;
    }

    /// <inheritdoc />
    public override async Task DownloadModel(DownloadModelRequest request, IServerStreamWriter<ModelChunk> responseStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        // The chunks wrap the version's buffer without a copy; the lease keeps it from being reused until they are written.
        using var lease = _engine.OpenModel(context.GetNodeId(), request.RunId, request.ModelVersion);
        var fingerprint = _engine.GetRun(request.RunId).LayoutFingerprint;
        await ProtoMapping.WriteModelAsync(responseStream, request.RunId, request.ModelVersion, lease.Parameters, fingerprint, "", context.CancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public override async Task<SubmitUpdateReply> SubmitUpdate(IAsyncStreamReader<UpdateChunk> requestStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(requestStream);
        ArgumentNullException.ThrowIfNull(context);
        var node = context.GetNodeId();
        if (!await requestStream.MoveNext(context.CancellationToken).ConfigureAwait(false) || requestStream.Current.PayloadCase != UpdateChunk.PayloadOneofCase.Header)
        {
            throw new RejectionException(Rejection.MalformedUpload, "an upload must start with its header");
        }

        // Admitted (run, round, version, selection, counts) before anything is allocated for its tensors, so a node that
        // may not upload now is refused right after its header and costs no memory in proportion to the model.
        var header = UpdateAssembler.ReadHeader(requestStream.Current.Header);
        var retried = _engine.AdmitUpload(node, header);
        var layout = _engine.GetLayout(header.RunId);

        // A retry of an upload already counted keeps nothing: its tensors are read (within the same limits) and dropped.
        // The answer waits for the end of the stream, as for any upload: a node still writing when a call ends with OK
        // sees its write cancelled rather than the reply.
        var budget = new UploadBudget(_options, layout);

        // The upload's time limit runs from its header, through any wait for a slot; a sender that stalls or trickles is
        // cut off when it expires.
        var limit = TimeSpan.FromSeconds(_options.MaxUploadSeconds);
        using var timeout = new CancellationTokenSource(limit, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, timeout.Token);
        UploadSlot? slot = null;
        UpdateAssembler? assembler = null;
        try
        {
            // Only an upload that will keep its tensors needs a slot; it holds it until the engine has counted them, so
            // memory follows MaxUploadsInFlight, not the uploads queued for the engine.
            slot = retried is null ? await _slots.AcquireAsync(linked.Token).ConfigureAwait(false) : null;
            assembler = retried is null ? new UpdateAssembler(header, layout, _arrays) : null;
            while (await requestStream.MoveNext(linked.Token).ConfigureAwait(false))
            {
                if (requestStream.Current.PayloadCase != UpdateChunk.PayloadOneofCase.Tensor)
                {
                    throw new RejectionException(Rejection.MalformedUpload, "an upload has exactly one header, first");
                }

                budget.Count(requestStream.Current.Tensor);
                if (assembler is not null)
                {
                    assembler.Add(requestStream.Current.Tensor);
                    slot!.Report(assembler.AllocatedFloats);
                }
                else
                {
                    PooledBytes.Release(requestStream.Current.Tensor.Values);
                }

                linked.Token.ThrowIfCancellationRequested();
            }

            if (assembler is null)
            {
                return Reply(retried!);
            }

            var update = assembler.Build();
            slot!.Report(assembler.AllocatedFloats);
            return Reply(_engine.SubmitUpdate(node, update));
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !context.CancellationToken.IsCancellationRequested)
        {
            GrpcLog.UploadRefused(_logger, node, $"longer than {limit.TotalSeconds} s");
            throw RejectionStatus.Create(StatusCode.ResourceExhausted, RejectionStatus.TooLarge, $"an upload may take at most {limit.TotalSeconds} s");
        }
        finally
        {
            // The engine keeps no array of an update it counted or refused, so they serve the next upload.
            assembler?.ReturnArrays();
            slot?.Dispose();
        }
    }

    /// <inheritdoc />
    public override Task<SubmitEvaluationReply> SubmitEvaluation(SubmitEvaluationRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var node = context.GetNodeId();
        var metrics = new List<TaskMetrics>(request.Metrics.Count);
        foreach (var summary in request.Metrics)
        {
            metrics.Add(UpdateAssembler.ReadMetrics(summary));
        }

        var outcome = _engine.SubmitEvaluation(node, request.RunId, request.ModelVersion, metrics);
        return Task.FromResult(new SubmitEvaluationReply { Accepted = true, Duplicate = outcome.Duplicate });
    }

    private static SubmitUpdateReply Reply(SubmitOutcome outcome) =>
        new() { Accepted = true, Duplicate = outcome.Duplicate, Round = outcome.Round, UpdatesInRound = outcome.UpdatesInRound };

    /// <inheritdoc />
    public override Task<LeaveReply> Leave(LeaveRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var node = context.GetNodeId();
        _engine.Leave(node, request.RunId);
        // The detail is the node's free text for the log: kept to the bound the proto states, whatever was sent.
        var detail = request.Detail.Length <= MaxLeaveDetailChars ? request.Detail : request.Detail[..MaxLeaveDetailChars];
        GrpcLog.NodeLeft(_logger, node, request.RunId, request.Reason, detail);
        return Task.FromResult(new LeaveReply());
    }
}
