using Federated.Coordinator.Nodes;
using Grpc.Core;

namespace Federated.Coordinator.Grpc;

/// <summary>Resolves the node behind a call's bearer token: Unauthenticated when it is missing or unknown, PermissionDenied when revoked.</summary>
public sealed class NodeAuthenticator
{
    private readonly NodeDirectory _nodes;
    private readonly ILogger<NodeAuthenticator> _logger;

    /// <summary>Creates the authenticator.</summary>
    public NodeAuthenticator(NodeDirectory nodes, ILogger<NodeAuthenticator> logger)
    {
        _nodes = nodes;
        _logger = logger;
    }

    /// <summary>The authenticated node id.</summary>
    /// <exception cref="RpcException">Missing, unknown or revoked token.</exception>
    public string Authenticate(ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var token = BearerToken.Read(context);
        if (token is null)
        {
            throw Refuse(context, StatusCode.Unauthenticated, "missing bearer token: send 'authorization: Bearer <node token>'");
        }

        var node = _nodes.Authenticate(token) ?? throw Refuse(context, StatusCode.Unauthenticated, "unknown node token");
        if (node.Revoked)
        {
            throw Refuse(context, StatusCode.PermissionDenied, $"the token of node '{node.Id}' was revoked");
        }

        return node.Id;
    }

    private RpcException Refuse(ServerCallContext context, StatusCode code, string message)
    {
        GrpcLog.NodeAuthenticationFailed(_logger, context.Method, message);
        return new RpcException(new Status(code, message));
    }
}
