using Federated.Coordinator.Hosting;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Options;

namespace Federated.Coordinator.Grpc;

/// <summary>
/// Checks every request message of both services against <see cref="RequestStringLimits"/> before the service sees it:
/// the request of unary and server-streaming calls, and each message of a request stream as it is read.
/// </summary>
internal sealed class RequestLimitInterceptor : Interceptor
{
    private readonly RequestStringLimits _limits;

    /// <summary>Creates the interceptor from the coordinator's options.</summary>
    public RequestLimitInterceptor(IOptions<CoordinatorOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _limits = new RequestStringLimits(options.Value.MaxIdChars, options.Value.MaxNameChars);
    }

    /// <inheritdoc />
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        Check(request);
        return continuation(request, context);
    }

    /// <inheritdoc />
    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        return continuation(new CheckedReader<TRequest>(requestStream, this), context);
    }

    /// <inheritdoc />
    public override Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        Check(request);
        return continuation(request, responseStream, context);
    }

    /// <inheritdoc />
    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        return continuation(new CheckedReader<TRequest>(requestStream, this), responseStream, context);
    }

    private void Check<T>(T message)
    {
        if (message is IMessage protobuf)
        {
            _limits.Check(protobuf);
        }
    }

    private sealed class CheckedReader<T> : IAsyncStreamReader<T>
    {
        private readonly IAsyncStreamReader<T> _inner;
        private readonly RequestLimitInterceptor _owner;

        public CheckedReader(IAsyncStreamReader<T> inner, RequestLimitInterceptor owner)
        {
            _inner = inner;
            _owner = owner;
        }

        public T Current => _inner.Current;

        public async Task<bool> MoveNext(CancellationToken cancellationToken)
        {
            if (!await _inner.MoveNext(cancellationToken).ConfigureAwait(false))
            {
                return false;
            }

            _owner.Check(_inner.Current);
            return true;
        }
    }
}
