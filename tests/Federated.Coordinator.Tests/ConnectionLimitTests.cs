using Federated.Coordinator.Hosting;
using Grpc.Core;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Federated.Coordinator.Tests;

/// <summary>Connection limits are explicit options applied to Kestrel, and a caller without a token is refused before its message is read.</summary>
public sealed class ConnectionLimitTests
{
    [Fact]
    public async Task Build_ConnectionLimitsConfigured_AppliedToKestrel()
    {
        await using var host = await CoordinatorTestHost.StartAsync(configure: builder => builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Coordinator:MaxConnections"] = "7",
            ["Coordinator:MaxStreamsPerConnection"] = "3",
            ["Coordinator:RequestHeadersTimeoutSeconds"] = "4",
            ["Coordinator:MinRequestBytesPerSecond"] = "1000",
        }));
        try
        {
            var limits = host.Services.GetRequiredService<IOptions<KestrelServerOptions>>().Value.Limits;

            Assert.Equal(7, limits.MaxConcurrentConnections);
            Assert.Equal(3, limits.Http2.MaxStreamsPerConnection);
            Assert.Equal(TimeSpan.FromSeconds(4), limits.RequestHeadersTimeout);
            Assert.Equal(1000, limits.MinRequestBodyDataRate!.BytesPerSecond);
        }
        finally
        {
            CoordinatorTestHost.DeleteDatabase(host.DatabasePath);
        }
    }

    [Fact]
    public void Options_Defaults_AreBoundedAndDocumentedValues()
    {
        var options = new CoordinatorOptions();

        Assert.Equal(1000, options.MaxConnections);
        Assert.Equal(100, options.MaxStreamsPerConnection);
        Assert.Equal(30, options.RequestHeadersTimeoutSeconds);
        Assert.Equal(240, options.MinRequestBytesPerSecond);
        Assert.Equal(128, options.MaxIdChars);
        Assert.Equal(256, options.MaxNameChars);
        Assert.Equal(100_000, options.MaxUploadChunks);
        Assert.Equal(2, options.MaxUploadModelMultiple);
        Assert.Equal(600, options.MaxUploadSeconds);
        Assert.Equal(1_000_000_000_000, options.MaxLabelledExamples);
    }

    [Theory]
    [InlineData("MaxConnections", "0")]
    [InlineData("MaxStreamsPerConnection", "0")]
    [InlineData("RequestHeadersTimeoutSeconds", "0")]
    [InlineData("MinRequestBytesPerSecond", "0")]
    [InlineData("MaxIdChars", "8")]
    [InlineData("MaxNameChars", "100000")]
    [InlineData("MaxUploadChunks", "0")]
    [InlineData("MaxUploadModelMultiple", "0.5")]
    [InlineData("MaxUploadSeconds", "0")]
    [InlineData("AggregationBufferBytes", "-1")]
    [InlineData("MaxLabelledExamples", "0")]
    [InlineData("MaxLabelledExamples", "10000000000000000")]
    [InlineData("MaxLabelledExamples", "9007199254740993")]
    public async Task Start_LimitOutOfRange_FailsNamingTheKey(string key, string value)
    {
        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => CoordinatorTestHost.StartAsync(configure: builder =>
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Coordinator:" + key] = value })));

        Assert.Contains(key, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Join_NoTokenAndAPartialFrameNeverCompleted_RefusedWithoutReadingTheMessage()
    {
        await using var host = await CoordinatorTestHost.StartAsync();
        try
        {
            using var body = new StalledContent(RawGrpcCall.Frame(new byte[16], declaredLength: 4 * 1024 * 1024));

            var send = RawGrpcCall.SendAsync(host, "/federated.v1.Federation/Join", token: null, body);
            await body.PrefixSent.Task.WaitAsync(TimeSpan.FromSeconds(30));
            var (code, _, _) = await send.WaitAsync(TimeSpan.FromSeconds(30));

            // The partial frame is on the wire and the body ends only when the request is disposed, after the response
            // was read: the refusal did not wait for (or buffer) the message.
            Assert.Equal(StatusCode.Unauthenticated, code);
        }
        finally
        {
            CoordinatorTestHost.DeleteDatabase(host.DatabasePath);
        }
    }
}
