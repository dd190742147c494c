using Grpc.Core;

namespace Federated.Coordinator.Grpc;

/// <summary>Reads <c>authorization: Bearer …</c> from a call's headers.</summary>
internal static class BearerToken
{
    public static string? Read(ServerCallContext context)
    {
        var header = context.RequestHeaders.GetValue("authorization");
        const string Prefix = "Bearer ";
        return header is not null && header.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase) ? header[Prefix.Length..].Trim() : null;
    }
}
