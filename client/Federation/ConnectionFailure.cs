using System.Net.Sockets;
using System.Security.Authentication;
using Grpc.Core;

namespace Federated.Client.Federation;

/// <summary>Says in words why a connection to the coordinator failed, from the exception chain of a failed call.</summary>
public static class ConnectionFailure
{
    /// <summary>
    /// The cause — name resolution (DNS), refused connection, TLS, a server that does not speak HTTP/2, a timeout — or
    /// null when the chain does not say.
    /// </summary>
    public static string? Describe(Exception? failure)
    {
        for (var e = failure; e is not null; e = Next(e))
        {
            var cause = e switch
            {
                HttpRequestException { HttpRequestError: HttpRequestError.NameResolutionError } => Dns,
                HttpRequestException { HttpRequestError: HttpRequestError.SecureConnectionError } => Tls,
                HttpRequestException { HttpRequestError: HttpRequestError.HttpProtocolError or HttpRequestError.VersionNegotiationError } => NotHttp2,
                HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError } when Describe(e.InnerException) is null => "the connection could not be made",
                SocketException { SocketErrorCode: SocketError.HostNotFound or SocketError.TryAgain or SocketError.NoData } => Dns,
                SocketException { SocketErrorCode: SocketError.ConnectionRefused } => "the connection was refused (nothing listens on that address and port)",
                SocketException { SocketErrorCode: SocketError.TimedOut } => "the connection timed out (a firewall, or a wrong address)",
                SocketException { SocketErrorCode: SocketError.NetworkUnreachable or SocketError.HostUnreachable } => "the network or host is unreachable",
                AuthenticationException => Tls,
                _ => null,
            };
            if (cause is not null)
            {
                return cause;
            }
        }

        return null;
    }

    private const string Dns = "the coordinator's host name could not be resolved (DNS)";
    private const string Tls = "the TLS handshake failed (a certificate not trusted, or https:// to a plain-text port)";
    private const string NotHttp2 = "the server did not speak HTTP/2 as gRPC needs (http:// to a TLS port, or not a coordinator)";

    private static Exception? Next(Exception e) => e is RpcException rpc ? rpc.Status.DebugException ?? rpc.InnerException : e.InnerException;
}
