using Federated.Protos.V1;
using Grpc.Core;
using Grpc.Net.Client;

namespace Federated.Coordinator.Tests;

/// <summary>The connection and stream limits as a client meets them on a real Kestrel server on loopback (h2c).</summary>
public sealed class LiveConnectionLimitTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Call_MoreConnectionsThanMaxConnections_ExtraOneRefusedUntilOneCloses()
    {
        await using var coordinator = await LoopbackCoordinator.StartAsync(new Dictionary<string, string?> { ["Coordinator:MaxConnections"] = "2" });
        var first = Channel(coordinator);
        using var second = Channel(coordinator);
        using var third = Channel(coordinator);
        try
        {
            // Each channel has its own handler, hence its own connection, kept open after the call.
            await ListRunsAsync(first);
            await ListRunsAsync(second);

            // Kestrel closes a connection over the limit as soon as it is accepted; the .NET client reports that as
            // Unavailable, or as Internal ("did not complete the HTTP/2 handshake") when the close comes mid-handshake.
            var refused = await Assert.ThrowsAsync<RpcException>(() => ListRunsAsync(third));
            Assert.True(IsRefusedConnection(refused), refused.Status.ToString());

            // Closing one connection frees its place; the server notices the close asynchronously, so try until it has.
            first.Dispose();
            await RetryUntilAcceptedAsync(third);
            await ListRunsAsync(second);
        }
        finally
        {
            first.Dispose();
        }
    }

    [Fact]
    public async Task OpenStreams_MoreThanMaxStreamsPerConnection_AdvertisedAndExtraStreamRefused()
    {
        await using var coordinator = await LoopbackCoordinator.StartAsync(new Dictionary<string, string?> { ["Coordinator:MaxStreamsPerConnection"] = "3" });
        using var timeout = new CancellationTokenSource(Patience);
        var (connection, settings) = await RawHttp2Connection.OpenAsync(coordinator.Address, timeout.Token);
        using var _ = connection;
        Assert.Equal(3u, settings[0x3]); // SETTINGS_MAX_CONCURRENT_STREAMS

        // A client that ignores the setting: four authenticated calls whose request body never comes, so the first three
        // stay open. The fourth stream is refused (RST_STREAM REFUSED_STREAM), and nothing is buffered for it.
        string[][] headers = [["content-type", "application/grpc"], ["te", "trailers"], ["authorization", "Bearer " + CoordinatorTestHost.AdminToken]];
        var list = headers.Select(h => (h[0], h[1])).ToList();
        for (var stream = 1; stream <= 7; stream += 2)
        {
            await connection.OpenStreamAsync(stream, coordinator.Address.Authority, "/federated.v1.Operator/ListRuns", list, timeout.Token);
        }

        while (true)
        {
            var frame = await connection.ReadFrameAsync(timeout.Token);
            Assert.NotNull(frame);
            Assert.False(frame.Value.Type == RawHttp2Connection.RstStream && frame.Value.StreamId != 7, $"stream {frame.Value.StreamId} was reset although it was within the limit");
            if (frame.Value.Type == RawHttp2Connection.RstStream && frame.Value.StreamId == 7)
            {
                Assert.Equal(0x7u, System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(frame.Value.Payload)); // REFUSED_STREAM
                break;
            }
        }
    }

    private static GrpcChannel Channel(LoopbackCoordinator coordinator) =>
        GrpcChannel.ForAddress(coordinator.Address, new GrpcChannelOptions { HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = false }, DisposeHttpClient = true });

    private static async Task ListRunsAsync(GrpcChannel channel) =>
        await new Operator.OperatorClient(channel).ListRunsAsync(new ListRunsRequest(), CoordinatorTestHost.Admin, deadline: DateTime.UtcNow.Add(Patience));

    private static bool IsRefusedConnection(RpcException exception) =>
        exception.StatusCode == StatusCode.Unavailable || (exception.StatusCode == StatusCode.Internal && exception.Status.Detail.Contains("HTTP/2 handshake", StringComparison.Ordinal));

    private static async Task RetryUntilAcceptedAsync(GrpcChannel channel)
    {
        using var timeout = new CancellationTokenSource(Patience);
        while (true)
        {
            try
            {
                await ListRunsAsync(channel);
                return;
            }
            catch (RpcException exception) when (IsRefusedConnection(exception) && !timeout.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50), timeout.Token);
            }
        }
    }
}
