using System.Security.Claims;
using Grpc.Core;

namespace Federated.Coordinator.Security;

/// <summary>Reads the caller that <see cref="BearerTokenHandler"/> authenticated from a call; services never read tokens themselves.</summary>
public static class CallerContextExtensions
{
    /// <summary>The id of the node making the call (its <see cref="ClaimTypes.NameIdentifier"/> claim).</summary>
    /// <exception cref="InvalidOperationException">The call has no node principal: the service lacks <see cref="CoordinatorAuthorization.NodePolicy"/>.</exception>
    public static string GetNodeId(this ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var user = context.GetHttpContext().User;
        return user.IsInRole(CoordinatorAuthorization.NodeRole) && user.FindFirstValue(ClaimTypes.NameIdentifier) is { Length: > 0 } node
            ? node
            : throw new InvalidOperationException($"{context.Method} has no authenticated node: its service must require the '{CoordinatorAuthorization.NodePolicy}' policy");
    }
}
