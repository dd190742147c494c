using System.Net.Sockets;
using System.Security.Authentication;
using Grpc.Core;

namespace Federated.Coordinator.Cli;

/// <summary>An admin command's failure as the operator reads it: one line naming the problem, and its exit code.</summary>
/// <param name="Message">The line, without the "error: " prefix.</param>
/// <param name="ExitCode">One of <see cref="AdminExitCodes"/>.</param>
internal sealed record AdminFailure(string Message, int ExitCode)
{
    /// <summary>The failure an exception of an admin call stands for; never a type name or stack trace.</summary>
    /// <param name="e">What the call threw.</param>
    /// <param name="url">The coordinator URL, named in connection failures.</param>
    /// <param name="cancellationToken">The command's token: set when the operator pressed Ctrl-C.</param>
    public static AdminFailure Classify(Exception e, string url, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (cancellationToken.IsCancellationRequested && e is OperationCanceledException or RpcException { StatusCode: StatusCode.Cancelled })
        {
            return new AdminFailure("stopped", AdminExitCodes.Stopped);
        }

        return e switch
        {
            AdminInputException input => new AdminFailure(input.Message, AdminExitCodes.BadUsage),
            CoordinatorLostException lost => new AdminFailure($"lost the coordinator at {url}: {ShortCause(lost.InnerException!)}", AdminExitCodes.Unreachable),
            RpcException rpc when IsConnectionFailure(rpc) => new AdminFailure($"cannot reach the coordinator at {url}: {ShortCause(rpc)}", AdminExitCodes.Unreachable),
            RpcException { StatusCode: StatusCode.Unauthenticated or StatusCode.PermissionDenied } rpc =>
                new AdminFailure($"the coordinator at {url} refused the admin token: {rpc.Status.Detail}", AdminExitCodes.Refused),
            RpcException rpc => new AdminFailure($"{rpc.Status.Detail} ({rpc.StatusCode})", AdminExitCodes.Refused),
            HttpRequestException or IOException or SocketException => new AdminFailure($"cannot reach the coordinator at {url}: {ShortCause(e)}", AdminExitCodes.Unreachable),
            _ => new AdminFailure(FirstLine(e.Message), AdminExitCodes.Unexpected),
        };
    }

    /// <summary>Whether a call failed in transport (no answer from a coordinator) rather than being refused by one.</summary>
    public static bool IsConnectionFailure(RpcException e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return e.StatusCode == StatusCode.Unavailable
            || (e.StatusCode is StatusCode.Internal or StatusCode.Unknown && e.Status.DebugException is HttpRequestException or IOException or SocketException);
    }

    /// <summary>The cause of a connection failure in a few words: DNS, refused, reset, TLS, HTTP/2, or the innermost message.</summary>
    public static string ShortCause(Exception e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var first = e is RpcException rpc ? rpc.Status.DebugException : e;
        if (first is null)
        {
            return FirstLine(((RpcException)e).Status.Detail);
        }

        Exception innermost = first;
        for (var x = first; x is not null; x = x.InnerException)
        {
            innermost = x;
            switch (x)
            {
                case SocketException s:
                    return s.SocketErrorCode switch
                    {
                        SocketError.ConnectionRefused => "connection refused (is the coordinator running on that port?)",
                        SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain => "host name not resolved (DNS)",
                        SocketError.TimedOut => "connection timed out",
                        SocketError.ConnectionReset or SocketError.ConnectionAborted => "connection reset",
                        _ => FirstLine(s.Message),
                    };
                case AuthenticationException:
                    return "TLS handshake failed: " + FirstLine(x.Message);
                case HttpIOException { HttpRequestError: HttpRequestError.ResponseEnded }:
                    return "the connection was closed";
                case HttpRequestException { HttpRequestError: HttpRequestError.SecureConnectionError }:
                    return "TLS handshake failed";
                case HttpRequestException { HttpRequestError: HttpRequestError.HttpProtocolError or HttpRequestError.VersionNegotiationError }:
                    return "the server does not speak HTTP/2 gRPC (wrong port, or http:// for an https endpoint?)";
                case HttpRequestException { HttpRequestError: HttpRequestError.NameResolutionError }:
                    return "host name not resolved (DNS)";
                case HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError } when x.InnerException is null:
                    return "connection failed";
            }
        }

        return FirstLine(innermost.Message);
    }

    private static string FirstLine(string message)
    {
        var line = message.Split('\n', 2)[0].Trim();
        return line.Length == 0 ? "no details" : line;
    }
}

/// <summary>An input an operator gave the admin command is unusable (a --config file missing, unreadable or not JSON); the message names it.</summary>
internal sealed class AdminInputException(string message) : Exception(message);

/// <summary>The connection to the coordinator broke after a call had started (a watch that was receiving events).</summary>
internal sealed class CoordinatorLostException(Exception cause) : Exception("lost the coordinator", cause);
