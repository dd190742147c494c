using Federated.Coordinator.Rounds;
using Federated.Coordinator.Runs;
using Federated.Protos.V1;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Federated.Coordinator.Grpc;

/// <summary>
/// Turns the exceptions by which the engine refuses a request into gRPC statuses, for every RPC of both services:
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><see cref="RejectionException"/>: its <see cref="RejectionStatus"/> code, message and <c>federated-rejection</c> trailer;</item>
/// <item><see cref="RunConfigException"/>: InvalidArgument with its message;</item>
/// <item>on the operator API only, <see cref="InvalidOperationException"/> (a run that cannot change state): FailedPrecondition,
/// and <see cref="ArgumentException"/> (a malformed node id): InvalidArgument, with their messages.</item>
/// </list>
/// Nodes are not trusted, so on the node API any other exception stays a bug: the client gets Unknown without its message.
/// </remarks>
internal sealed class RejectionInterceptor : Interceptor
{
    private static readonly string OperatorMethodPrefix = "/" + Operator.Descriptor.FullName + "/";

    /// <inheritdoc />
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        try
        {
            return await continuation(request, context).ConfigureAwait(false);
        }
        catch (Exception e) when (ToRpcException(e, context) is { } status)
        {
            throw status;
        }
    }

    /// <inheritdoc />
    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        try
        {
            return await continuation(requestStream, context).ConfigureAwait(false);
        }
        catch (Exception e) when (ToRpcException(e, context) is { } status)
        {
            throw status;
        }
    }

    /// <inheritdoc />
    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        try
        {
            await continuation(request, responseStream, context).ConfigureAwait(false);
        }
        catch (Exception e) when (ToRpcException(e, context) is { } status)
        {
            throw status;
        }
    }

    /// <inheritdoc />
    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        try
        {
            await continuation(requestStream, responseStream, context).ConfigureAwait(false);
        }
        catch (Exception e) when (ToRpcException(e, context) is { } status)
        {
            throw status;
        }
    }

    /// <summary>The status for <paramref name="exception"/>, or null to let it through unchanged.</summary>
    private static RpcException? ToRpcException(Exception exception, ServerCallContext context) => exception switch
    {
        RejectionException rejection => RejectionStatus.ToRpcException(rejection),
        RunConfigException config => new RpcException(new Status(StatusCode.InvalidArgument, RejectionStatus.Cut(config.Message))),
        InvalidOperationException e when IsOperatorCall(context) => new RpcException(new Status(StatusCode.FailedPrecondition, RejectionStatus.Cut(e.Message))),
        ArgumentException e when IsOperatorCall(context) => new RpcException(new Status(StatusCode.InvalidArgument, RejectionStatus.Cut(ArgumentMessages.WithoutParameterName(e)))),
        _ => null,
    };

    private static bool IsOperatorCall(ServerCallContext context) => context.Method.StartsWith(OperatorMethodPrefix, StringComparison.Ordinal);
}
