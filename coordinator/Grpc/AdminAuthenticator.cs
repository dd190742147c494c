using System.Security.Cryptography;
using System.Text;
using Grpc.Core;

namespace Federated.Coordinator.Grpc;

/// <summary>Checks the operator API's admin bearer token (compared in constant time).</summary>
public sealed class AdminAuthenticator
{
    private readonly byte[] _tokenHash;
    private readonly ILogger<AdminAuthenticator> _logger;

    /// <summary>Creates the authenticator for <paramref name="adminToken"/>.</summary>
    public AdminAuthenticator(string adminToken, ILogger<AdminAuthenticator> logger)
    {
        ArgumentException.ThrowIfNullOrEmpty(adminToken);
        _tokenHash = SHA256.HashData(Encoding.UTF8.GetBytes(adminToken));
        _logger = logger;
    }

    /// <summary>Throws unless the call carries the admin token.</summary>
    /// <exception cref="RpcException">Unauthenticated: missing or wrong token.</exception>
    public void Require(ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var token = BearerToken.Read(context);
        if (token is null)
        {
            GrpcLog.AdminAuthenticationFailed(_logger, context.Method, "missing token");
            throw new RpcException(new Status(StatusCode.Unauthenticated, "missing bearer token: send 'authorization: Bearer <admin token>'"));
        }

        if (!CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(token)), _tokenHash))
        {
            GrpcLog.AdminAuthenticationFailed(_logger, context.Method, "wrong token");
            throw new RpcException(new Status(StatusCode.Unauthenticated, "wrong admin token"));
        }
    }
}
