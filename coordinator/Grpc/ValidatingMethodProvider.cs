using Grpc.AspNetCore.Server.Model;
using Grpc.Core;

namespace Federated.Coordinator.Grpc;

/// <summary>
/// Binds the methods of a generated service (<typeparamref name="TService"/>) as grpc-dotnet's own binder does, but
/// with request marshallers that turn a message that is not valid protobuf into InvalidArgument
/// (<see cref="RejectionStatus.MalformedMessage"/>) and one warning without a stack trace, instead of Unknown and an
/// error with a stack trace per call. The service carries a <c>[BindServiceMethod]</c> that binds nothing, so that
/// grpc-dotnet's default provider leaves its methods to this one.
/// </summary>
/// <typeparam name="TService">The service implementation.</typeparam>
internal sealed class ValidatingMethodProvider<TService> : IServiceMethodProvider<TService>
    where TService : class
{
    private readonly Action<ServiceBinderBase> _bind;
    private readonly ILogger _logger;

    /// <summary>Creates the provider.</summary>
    /// <param name="bind">The generated <c>BindService(ServiceBinderBase, XxxBase)</c>, called with a null implementation.</param>
    /// <param name="logger">Where refusals are logged.</param>
    public ValidatingMethodProvider(Action<ServiceBinderBase> bind, ILogger logger)
    {
        _bind = bind;
        _logger = logger;
    }

    /// <inheritdoc />
    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<TService> context) => _bind(new ValidatingServiceBinder<TService>(context, _logger));
}
