using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;
using Grpc.Core;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Federated.Coordinator.Tests;

/// <summary>Hand-made gRPC requests over the TestServer: raw frames, raw bytes, bodies that never complete.</summary>
internal static class RawGrpcCall
{
    /// <summary>A gRPC frame: flag 0, a big-endian length (which may lie), then <paramref name="payload"/>.</summary>
    public static byte[] Frame(byte[] payload, uint? declaredLength = null, byte flag = 0)
    {
        var frame = new byte[5 + payload.Length];
        frame[0] = flag;
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), declaredLength ?? (uint)payload.Length);
        payload.CopyTo(frame, 5);
        return frame;
    }

    /// <summary>Sends <paramref name="content"/> to <c>/service/method</c> and returns the gRPC status (from the trailers, or the headers of a trailers-only response).</summary>
    public static async Task<(StatusCode Code, string Message, long TrailerBytes)> SendAsync(CoordinatorTestHost host, string path, string? token, HttpContent content, CancellationToken cancellationToken = default)
    {
        using var client = CreateClient(host);
        return await SendAsync(client, path, token, content, deadline: null, cancellationToken: cancellationToken);
    }

    /// <summary>An HTTP client over the host's TestServer, for many <see cref="SendAsync(HttpClient, string, string?, HttpContent, TimeSpan?, string?, CancellationToken)"/> calls.</summary>
    public static HttpClient CreateClient(CoordinatorTestHost host)
    {
        var server = (TestServer)host.Services.GetRequiredService<IServer>();
        return new HttpClient(server.CreateHandler()) { BaseAddress = server.BaseAddress };
    }

    /// <summary>Like the overload on a host, over <paramref name="client"/>; <paramref name="deadline"/> is sent as <c>grpc-timeout</c> (in milliseconds), <paramref name="encoding"/> as <c>grpc-encoding</c>.</summary>
    public static async Task<(StatusCode Code, string Message, long TrailerBytes)> SendAsync(HttpClient client, string path, string? token, HttpContent content, TimeSpan? deadline, string? encoding = null, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact, Content = content };
        content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        request.Headers.TE.ParseAdd("trailers");
        if (encoding is not null)
        {
            request.Headers.TryAddWithoutValidation("grpc-encoding", encoding);
        }

        if (deadline is { } d)
        {
            request.Headers.TryAddWithoutValidation("grpc-timeout", ((long)d.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture) + "m");
        }

        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        await (await response.Content.ReadAsStreamAsync(cancellationToken)).CopyToAsync(Stream.Null, cancellationToken);
        var headers = response.TrailingHeaders.Contains("grpc-status") ? (HttpHeaders)response.TrailingHeaders : response.Headers;
        var code = (StatusCode)int.Parse(headers.GetValues("grpc-status").Single(), System.Globalization.CultureInfo.InvariantCulture);
        var message = headers.TryGetValues("grpc-message", out var m) ? Uri.UnescapeDataString(m.Single()) : "";
        var trailerBytes = response.TrailingHeaders.Concat(response.Headers).Sum(h => h.Key.Length + h.Value.Sum(v => (long)v.Length));
        return (code, message, trailerBytes);
    }
}
