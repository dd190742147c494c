using System.Net;
using System.Net.Http.Headers;
using Federated.Protos.V1;
using Grpc.Net.Client;

namespace Federated.Coordinator.Tests;

/// <summary>The connection limits on a real Kestrel server on loopback (h2c).</summary>
public sealed class KestrelLimitTests
{
    [Fact]
    public async Task Join_AuthenticatedSenderStallsMidMessage_CutOffByMinRequestBodyRate()
    {
        await using var coordinator = await LoopbackCoordinator.StartAsync(new Dictionary<string, string?> { ["Coordinator:MinRequestBytesPerSecond"] = "1000000" });
        var address = coordinator.Address;
        using var channel = GrpcChannel.ForAddress(address);
        var token = (await new Operator.OperatorClient(channel).IssueTokenAsync(new IssueTokenRequest { NodeId = "n1" }, CoordinatorTestHost.Admin)).Token;

        // A frame declaring 4,000,000 bytes of which 700,000 arrive at once (within HTTP/2's initial window); then
        // nothing. After the 5 s grace period the average rate is below the configured 1,000,000 B/s, so Kestrel ends
        // the request. With Kestrel's default (240 B/s) the same sender would be held for about 50 minutes.
        using var client = new HttpClient(new SocketsHttpHandler()) { BaseAddress = address };
        using var body = new StalledContent(RawGrpcCall.Frame(new byte[700_000], declaredLength: 4_000_000));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/federated.v1.Federation/Join") { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact, Content = body };
        body.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);

        var outcome = await Record.ExceptionAsync(async () =>
        {
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).WaitAsync(TimeSpan.FromSeconds(60));
            await (await response.Content.ReadAsStreamAsync()).CopyToAsync(Stream.Null).WaitAsync(TimeSpan.FromSeconds(60));
            var status = response.TrailingHeaders.Concat(response.Headers).Where(h => h.Key == "grpc-status").SelectMany(h => h.Value).Single();
            Assert.NotEqual("0", status);
        });

        Assert.IsNotType<TimeoutException>(outcome);
    }
}
