using System.Globalization;
using System.Text;
using Grpc.Core;

namespace Federated.Coordinator.Security;

/// <summary>
/// Writes a gRPC "trailers-only" response from outside the gRPC pipeline (the authentication handler): HTTP 200,
/// <c>content-type: application/grpc</c>, and <c>grpc-status</c> / <c>grpc-message</c> in the headers, so the client
/// sees the status code and message as if the service had thrown an <see cref="RpcException"/>; a bare HTTP 401 or
/// 403 would reach it as a generic "Bad gRPC response".
/// </summary>
internal static class GrpcStatusResponse
{
    /// <summary>Writes <paramref name="code"/> and <paramref name="message"/> as the whole response; the call gets no message.</summary>
    /// <param name="response">The response.</param>
    /// <param name="code">The status code.</param>
    /// <param name="message">The status message.</param>
    /// <param name="reason">A rejection reason for the <c>federated-rejection</c> trailer (as the services send it; the message stays as it is), or null.</param>
    public static void Write(HttpResponse response, StatusCode code, string message, string? reason = null)
    {
        if (reason is not null)
        {
            // Trailers-only: the headers are the trailers, so a node reads the reason where it reads the service's.
            response.Headers[Grpc.RejectionStatus.TrailerKey] = reason;
        }

        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/grpc";
        response.Headers["grpc-status"] = ((int)code).ToString(CultureInfo.InvariantCulture);
        response.Headers["grpc-message"] = PercentEncode(message);
    }

    /// <summary>The gRPC wire form of a message: UTF-8, with bytes outside printable ASCII and '%' as <c>%XX</c>.</summary>
    private static string PercentEncode(string message)
    {
        var bytes = Encoding.UTF8.GetBytes(message);
        var encoded = new StringBuilder(bytes.Length);
        foreach (var b in bytes)
        {
            if (b is >= 0x20 and <= 0x7E and not (byte)'%')
            {
                encoded.Append((char)b);
            }
            else
            {
                encoded.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return encoded.ToString();
    }
}
