using System.Reflection;
using Google.Protobuf;
using Grpc.Core;
using Grpc.AspNetCore.Server.Model;

namespace Federated.Coordinator.Grpc;

/// <summary>
/// The binder behind <see cref="ValidatingMethodProvider{TService}"/>: for each method of the generated service, the
/// handler is <typeparamref name="TService"/>'s public override of the same name, the endpoint metadata is the
/// service's and the handler's attributes (so <c>[Authorize]</c> applies) plus POST, and the request marshaller
/// refuses malformed messages with InvalidArgument (and parses upload chunks into pooled buffers: <see cref="Federated.Protos.PooledChunkParser"/>).
/// </summary>
/// <typeparam name="TService">The service implementation.</typeparam>
internal sealed class ValidatingServiceBinder<TService> : ServiceBinderBase
    where TService : class
{
    private readonly ServiceMethodProviderContext<TService> _context;
    private readonly ILogger _logger;

    public ValidatingServiceBinder(ServiceMethodProviderContext<TService> context, ILogger logger)
    {
        _context = context;
        _logger = logger;
    }

    /// <inheritdoc />
    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse>? handler)
    {
        var (invoker, metadata) = Model<UnaryServerMethod<TService, TRequest, TResponse>>(method.Name, typeof(TRequest), typeof(ServerCallContext));
        _context.AddUnaryMethod(Guard(method), metadata, invoker);
    }

    /// <inheritdoc />
    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse>? handler)
    {
        var (invoker, metadata) = Model<ClientStreamingServerMethod<TService, TRequest, TResponse>>(method.Name, typeof(IAsyncStreamReader<TRequest>), typeof(ServerCallContext));
        _context.AddClientStreamingMethod(Guard(method), metadata, invoker);
    }

    /// <inheritdoc />
    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse>? handler)
    {
        var (invoker, metadata) = Model<ServerStreamingServerMethod<TService, TRequest, TResponse>>(method.Name, typeof(TRequest), typeof(IServerStreamWriter<TResponse>), typeof(ServerCallContext));
        _context.AddServerStreamingMethod(Guard(method), metadata, invoker);
    }

    /// <inheritdoc />
    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse>? handler)
    {
        var (invoker, metadata) = Model<DuplexStreamingServerMethod<TService, TRequest, TResponse>>(method.Name, typeof(IAsyncStreamReader<TRequest>), typeof(IServerStreamWriter<TResponse>), typeof(ServerCallContext));
        _context.AddDuplexStreamingMethod(Guard(method), metadata, invoker);
    }

    private Method<TRequest, TResponse> Guard<TRequest, TResponse>(Method<TRequest, TResponse> method)
        where TRequest : class
        where TResponse : class
    {
        // Upload chunks keep their tensor values in pooled buffers (PooledChunkParser); every other message as generated.
        var deserialize = typeof(TRequest) == typeof(Federated.Protos.V1.UpdateChunk)
            ? context => (TRequest)(object)Federated.Protos.PooledChunkParser.ParseUpdateChunk(context)
            : method.RequestMarshaller.ContextualDeserializer;
        var logger = _logger;
        var name = method.FullName;
        var marshaller = Marshallers.Create(method.RequestMarshaller.ContextualSerializer, context =>
        {
            try
            {
                return deserialize(context);
            }
            catch (InvalidProtocolBufferException e)
            {
                GrpcLog.MalformedMessage(logger, name, e.Message);
                throw RejectionStatus.Create(StatusCode.InvalidArgument, RejectionStatus.MalformedMessage, $"the request is not a valid {typeof(TRequest).Name}: {e.Message}");
            }
        });
        return new Method<TRequest, TResponse>(method.Type, method.ServiceName, method.Name, marshaller, method.ResponseMarshaller);
    }

    private static (TDelegate Invoker, List<object> Metadata) Model<TDelegate>(string name, params Type[] parameters)
        where TDelegate : Delegate
    {
        var handler = typeof(TService).GetMethod(name, BindingFlags.Public | BindingFlags.Instance, binder: null, parameters, modifiers: null)
            ?? throw new InvalidOperationException($"{typeof(TService).Name} has no method {name}");
        var metadata = new List<object>();
        metadata.AddRange(typeof(TService).GetCustomAttributes(inherit: true));
        metadata.AddRange(handler.GetCustomAttributes(inherit: true));
        metadata.Add(new HttpMethodMetadata(["POST"], acceptCorsPreflight: true));
        return ((TDelegate)Delegate.CreateDelegate(typeof(TDelegate), handler), metadata);
    }
}
