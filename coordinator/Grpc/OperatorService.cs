using System.Reflection;
using System.Threading.Channels;
using Federated.Coordinator.Operations;
using Federated.Coordinator.Rounds;
using Federated.Coordinator.Runs;
using Federated.Coordinator.Security;
using Federated.Protos.V1;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;

namespace Federated.Coordinator.Grpc;

/// <summary>
/// The operator API: a thin adapter over the <see cref="RoundEngine"/>, <see cref="OperatorQueries"/> and <see cref="OperatorCommands"/> (which the dashboard shares). Every RPC
/// requires the admin token (<see cref="CoordinatorAuthorization.OperatorPolicy"/>); refusals become statuses in
/// <see cref="RejectionInterceptor"/>.
/// </summary>
[Authorize(Policy = CoordinatorAuthorization.OperatorPolicy)]
[BindServiceMethod(typeof(OperatorService), nameof(BindNothing))]
public sealed class OperatorService : Operator.OperatorBase
{
    private static readonly string ServiceVersion =
        typeof(OperatorService).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";

    private readonly RoundEngine _engine;
    private readonly OperatorQueries _queries;
    private readonly OperatorCommands _commands;
    private readonly ILogger<OperatorService> _logger;
    private readonly IHostApplicationLifetime? _lifetime;

    /// <summary>Creates the service.</summary>
    /// <param name="engine">The round engine.</param>
    /// <param name="queries">The reads shared with the dashboard.</param>
    /// <param name="commands">The changes shared with the dashboard.</param>
    /// <param name="logger">Logs operator actions.</param>
    /// <param name="lifetime">Ends the watch streams when the coordinator stops; none when null.</param>
    public OperatorService(RoundEngine engine, OperatorQueries queries, OperatorCommands commands, ILogger<OperatorService> logger, IHostApplicationLifetime? lifetime = null)
    {
        _engine = engine;
        _queries = queries;
        _commands = commands;
        _logger = logger;
        _lifetime = lifetime;
    }

    /// <summary>
    /// Binds nothing, so that grpc-dotnet's default binder leaves this service to <see cref="ValidatingMethodProvider{TService}"/>,
    /// which binds the same methods with request marshallers that refuse malformed messages with InvalidArgument.
    /// </summary>
    /// <param name="binder">Unused.</param>
    /// <param name="service">Unused.</param>
    public static void BindNothing(ServiceBinderBase binder, OperatorService service)
    {
    }

    /// <inheritdoc />
    public override Task<GetStatusReply> GetStatus(GetStatusRequest request, ServerCallContext context)
    {
        var status = _queries.GetStatus();
        var reply = new GetStatusReply
        {
            Version = ServiceVersion,
            StartedUnixMs = status.StartedAt.ToUnixTimeMilliseconds(),
            RunsActive = status.RunsActive,
            NodesConnected = status.NodesConnected,
            NodesEnrolled = status.NodesEnrolled,
        };
        reply.ActiveRuns.Add(status.ActiveRuns.Select(ProtoMapping.ToProto));
        return Task.FromResult(reply);
    }

    /// <inheritdoc />
    public override Task<ListRunsReply> ListRuns(ListRunsRequest request, ServerCallContext context)
    {
        var reply = new ListRunsReply();
        reply.Runs.Add(_engine.ListRuns().Select(ProtoMapping.ToProto));
        return Task.FromResult(reply);
    }

    /// <inheritdoc />
    public override Task<RunInfo> StartRun(StartRunRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var config = RunConfig.FromJson(request.ConfigJson);
        IReadOnlyList<Federated.Model.Parameters.SafetensorsTensor>? initial = null;
        if (!request.InitialModel.IsEmpty)
        {
            try
            {
                initial = Federated.Model.Parameters.SafetensorsFile.Read(request.InitialModel.Span).Tensors;
            }
            catch (InvalidDataException e)
            {
                throw new ArgumentException("initial model: " + e.Message, nameof(request), e);
            }
        }

        return Task.FromResult(ProtoMapping.ToProto(_engine.CreateRun(config, initial)));
    }

    /// <inheritdoc />
    public override Task<RunInfo> PauseRun(RunRequest request, ServerCallContext context) => Change(request, _engine.Pause);

    /// <inheritdoc />
    public override Task<RunInfo> ResumeRun(RunRequest request, ServerCallContext context) => Change(request, _engine.Resume);

    /// <inheritdoc />
    public override Task<RunInfo> StopRun(RunRequest request, ServerCallContext context) => Change(request, _engine.Stop);

    /// <inheritdoc />
    public override Task<ListRoundsReply> ListRounds(RunRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var reply = new ListRoundsReply();
        reply.Rounds.Add(_engine.ListRounds(request.RunId).Select(ProtoMapping.ToProto));
        return Task.FromResult(reply);
    }

    /// <inheritdoc />
    public override Task<GetMetricsReply> GetMetrics(RunRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var reply = new GetMetricsReply();
        reply.Rows.Add(_engine.GetMetrics(request.RunId).Select(ProtoMapping.ToProto));
        reply.Privacy.Add(_engine.PrivacyByVersion(request.RunId).Select((spent, i) => new VersionPrivacy { ModelVersion = i + 1, Epsilon = spent.Epsilon, Delta = spent.Delta }));
        return Task.FromResult(reply);
    }

    /// <inheritdoc />
    public override Task<ListNodesReply> ListNodes(ListNodesRequest request, ServerCallContext context)
    {
        var reply = new ListNodesReply();
        foreach (var node in _queries.ListNodes())
        {
            var info = new NodeInfo { NodeId = node.NodeId, Revoked = node.Revoked, CreatedUnixMs = node.CreatedAt.ToUnixTimeMilliseconds(), Connected = node.Connected };
            if (node.LastSeen is { } seen)
            {
                info.LastSeenUnixMs = seen.ToUnixTimeMilliseconds();
                info.Runs.Add(node.Runs);
            }

            reply.Nodes.Add(info);
        }

        return Task.FromResult(reply);
    }

    /// <inheritdoc />
    public override Task<IssueTokenReply> IssueToken(IssueTokenRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var token = _commands.IssueToken(request.NodeId);
        GrpcLog.TokenIssued(_logger, request.NodeId);
        return Task.FromResult(new IssueTokenReply { NodeId = request.NodeId, Token = token });
    }

    /// <inheritdoc />
    public override Task<RevokeTokenReply> RevokeToken(RevokeTokenRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!_commands.RevokeToken(request.NodeId))
        {
            throw new RpcException(new Status(StatusCode.NotFound, $"no node '{request.NodeId}' is enrolled"));
        }

        GrpcLog.TokenRevoked(_logger, request.NodeId);
        return Task.FromResult(new RevokeTokenReply { Revoked = true });
    }

    /// <inheritdoc />
    public override async Task ExportModel(ExportModelRequest request, IServerStreamWriter<ModelChunk> responseStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var run = _engine.GetRun(request.RunId);
        Rounds.ModelLease lease;
        try
        {
            lease = _engine.OpenModel(request.RunId, request.ModelVersion);
        }
        catch (RejectionException e) when (e.Reason is Rejection.FutureBaseVersion or Rejection.VersionNotStored)
        {
            // Written for the operator, not tagged with the node-facing future-base-version (a version is not a "base"
            // here); a deleted version keeps its version-not-stored reason, as `keep` reports it.
            var latest = _engine.GetRun(request.RunId).ModelVersion;
            throw e.Reason == Rejection.FutureBaseVersion
                ? new RpcException(new Status(StatusCode.NotFound, $"run '{request.RunId}' has no model version {request.ModelVersion} (latest: {latest})"))
                : RejectionStatus.Create(StatusCode.NotFound, RejectionStatus.NameOf(e.Reason), $"run '{request.RunId}' has no model version {request.ModelVersion} any more (latest: {latest}); the coordinator keeps the newest versions, version 0 and those marked with 'admin keep'");
        }

        // The coordinator holds the shared projection only: an export never contains a node's local tensors.
        using (lease)
        {
            var spec = _engine.GetSpec(request.RunId);
            await ProtoMapping.WriteModelAsync(responseStream, request.RunId, request.ModelVersion, lease.Parameters, run.LayoutFingerprint, spec.ToJson(), context.CancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public override Task<ListVersionsReply> ListVersions(RunRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var reply = new ListVersionsReply();
        reply.Versions.Add(_engine.ListVersions(request.RunId).Select(ToProto));
        return Task.FromResult(reply);
    }

    /// <inheritdoc />
    public override Task<KeepVersionReply> KeepVersion(KeepVersionRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        _engine.KeepVersion(request.RunId, request.ModelVersion, request.Keep);
        GrpcLog.VersionKeepChanged(_logger, request.RunId, request.ModelVersion, request.Keep);
        return Task.FromResult(new KeepVersionReply { RunId = request.RunId, ModelVersion = request.ModelVersion, Kept = request.Keep });
    }

    /// <inheritdoc />
    public override async Task WatchRounds(RunRequest request, IServerStreamWriter<Protos.V1.RoundEvent> responseStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(responseStream);
        ArgumentNullException.ThrowIfNull(context);
        if (request.RunId.Length > 0)
        {
            // An unknown run is refused (NOT_FOUND, unknown-run) rather than watched forever in silence.
            _engine.GetRun(request.RunId);
        }

        var channel = Channel.CreateBounded<Rounds.RoundEvent>(new BoundedChannelOptions(1024) { FullMode = BoundedChannelFullMode.DropOldest });
        using var subscription = _engine.Subscribe(e =>
        {
            if (request.RunId.Length == 0 || e.RunId == request.RunId)
            {
                channel.Writer.TryWrite(e);
            }
        });
        // A stopping coordinator ends its watch streams at once rather than holding its shutdown until they time out:
        // a watcher sees the stream end and says it lost the coordinator.
        using var ended = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, _lifetime?.ApplicationStopping ?? CancellationToken.None);
        try
        {
            // Headers go out once the subscription exists, so a watcher that awaits them misses no later event.
            await context.WriteResponseHeadersAsync([]).ConfigureAwait(false);
            await foreach (var e in channel.Reader.ReadAllAsync(ended.Token).ConfigureAwait(false))
            {
                await responseStream.WriteAsync(ProtoMapping.ToProto(e), ended.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (ended.IsCancellationRequested)
        {
            // The watcher went away, or the coordinator is stopping.
        }
    }

    private static ModelVersionInfo ToProto(StoredVersion version) => new()
    {
        ModelVersion = version.Version,
        Round = version.Round,
        CreatedUnixMs = version.CreatedAt.ToUnixTimeMilliseconds(),
        Kept = version.Kept,
        Bytes = version.ByteSize,
    };

    private static Task<RunInfo> Change(RunRequest request, Func<string, RunSummary> change)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Task.FromResult(ProtoMapping.ToProto(change(request.RunId)));
    }
}
