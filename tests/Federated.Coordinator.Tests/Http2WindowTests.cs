using Federated.Coordinator.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Federated.Coordinator.Tests;

/// <summary>The HTTP/2 receive windows are options applied to Kestrel, with Kestrel's defaults and HTTP/2's range; the transport and upload limits are range-checked at start too.</summary>
public sealed class Http2WindowTests
{
    [Fact]
    public async Task Build_WindowsConfigured_AppliedToKestrel()
    {
        await using var host = await CoordinatorTestHost.StartAsync(configure: builder => builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Coordinator:Http2InitialConnectionWindowBytes"] = "16777216",
            ["Coordinator:Http2InitialStreamWindowBytes"] = "4194304",
        }));
        try
        {
            var limits = host.Services.GetRequiredService<IOptions<KestrelServerOptions>>().Value.Limits.Http2;

            Assert.Equal(16 * 1024 * 1024, limits.InitialConnectionWindowSize);
            Assert.Equal(4 * 1024 * 1024, limits.InitialStreamWindowSize);
        }
        finally
        {
            CoordinatorTestHost.DeleteDatabase(host.DatabasePath);
        }
    }

    [Fact]
    public void Options_Defaults_AreKestrelsOwn()
    {
        var options = new CoordinatorOptions();
        var kestrel = new KestrelServerLimits().Http2;

        Assert.Equal(kestrel.InitialConnectionWindowSize, options.Http2InitialConnectionWindowBytes);
        Assert.Equal(kestrel.InitialStreamWindowSize, options.Http2InitialStreamWindowBytes);
        Assert.Equal(16, options.MaxUploadsInFlight);
    }

    [Theory]
    [InlineData("Http2InitialConnectionWindowBytes", "65534")]
    [InlineData("Http2InitialStreamWindowBytes", "1000")]
    [InlineData("MaxUploadsInFlight", "0")]
    [InlineData("MaxUploadsInFlight", "10001")]
    [InlineData("TransportBlockBytes", "4095")]
    [InlineData("TransportBlockBytes", "1048577")]
    [InlineData("TransportPoolRetainedBytes", "-1")]
    [InlineData("TransportPoolRetainedBytes", "1073741825")]
    public async Task Start_OutOfRange_FailsNamingTheKey(string key, string value)
    {
        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => CoordinatorTestHost.StartAsync(configure: builder =>
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Coordinator:" + key] = value })));

        Assert.Contains(key, e.Message, StringComparison.Ordinal);
    }
}
