using System.Net.Sockets;
using System.Security.Authentication;
using Federated.Client.Federation;
using Grpc.Core;

namespace Federated.Client.Tests.Federation;

/// <summary>The cause of a failed connection, in words, from the exception chain gRPC and HttpClient produce.</summary>
public sealed class ConnectionFailureTests
{
    public static TheoryData<Exception, string?> Failures => new()
    {
        { new HttpRequestException(HttpRequestError.NameResolutionError, "Name or service not known", new SocketException((int)SocketError.HostNotFound)), "could not be resolved (DNS)" },
        { Rpc(new HttpRequestException("Connection refused", new SocketException((int)SocketError.ConnectionRefused))), "connection was refused" },
        { Rpc(new HttpRequestException(HttpRequestError.SecureConnectionError, "The SSL connection could not be established", new AuthenticationException("bad certificate"))), "TLS handshake failed" },
        { new HttpRequestException(HttpRequestError.HttpProtocolError, "The HTTP/2 server sent invalid data"), "did not speak HTTP/2" },
        { new SocketException((int)SocketError.TimedOut), "timed out" },
        { new InvalidOperationException("something else"), null },
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public void Describe_FailureChain_NamesTheCause(Exception failure, string? expected)
    {
        var cause = ConnectionFailure.Describe(failure);

        if (expected is null)
        {
            Assert.Null(cause);
        }
        else
        {
            Assert.Contains(expected, cause, StringComparison.Ordinal);
        }
    }

    private static RpcException Rpc(Exception debug) => new(new Status(StatusCode.Unavailable, "Error starting gRPC call. " + debug.Message, debug));
}
