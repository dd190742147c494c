using Microsoft.Extensions.Options;

namespace Federated.Coordinator.Tests.Bulk;

/// <summary>The bulk listener's settings are checked at start: plaintext stays on loopback unless allowed, files exist, the address parses.</summary>
public sealed class BulkUploadOptionsTests
{
    [Theory]
    [InlineData("0.0.0.0", "", "BulkUpload:CertificatePath for TLS, or BulkUpload:AllowPlaintext=true")]
    [InlineData("::", "", "BulkUpload:AllowPlaintext")]
    [InlineData("coordinator.example", "", "BulkUpload:Address 'coordinator.example' must be an IP address")]
    [InlineData("127.0.0.1", "/no/such/certificate.pfx", "BulkUpload:CertificatePath '/no/such/certificate.pfx' does not exist")]
    public async Task Start_InvalidSettings_RefusedNamingTheKey(string address, string certificate, string expected)
    {
        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => LoopbackCoordinator.StartAsync(new Dictionary<string, string?>
        {
            ["BulkUpload:Enabled"] = "true",
            ["BulkUpload:Address"] = address,
            ["BulkUpload:CertificatePath"] = certificate,
        }));

        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("BulkUpload:Port", "65536")]
    [InlineData("BulkUpload:TicketSeconds", "0")]
    [InlineData("BulkUpload:PreambleSeconds", "601")]
    [InlineData("BulkUpload:MaxConnections", "0")]
    public async Task Start_OutOfRange_RefusedNamingTheKey(string key, string value)
    {
        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => LoopbackCoordinator.StartAsync(new Dictionary<string, string?>
        {
            ["BulkUpload:Enabled"] = "true",
            [key] = value,
        }));

        Assert.Contains(key.Split(':')[1], e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_PlaintextOnEveryAddressAllowed_Listens()
    {
        await using var coordinator = await LoopbackCoordinator.StartAsync(new Dictionary<string, string?>
        {
            ["BulkUpload:Enabled"] = "true",
            ["BulkUpload:Address"] = "0.0.0.0",
            ["BulkUpload:AllowPlaintext"] = "true",
        });

        var listener = (Coordinator.Bulk.BulkUploadListener)coordinator.Services.GetService(typeof(Coordinator.Bulk.BulkUploadListener))!;
        Assert.InRange(listener.Port!.Value, 1, 65535);
        Assert.False(listener.Tls);
    }

    [Fact]
    public async Task Start_Off_NoPort()
    {
        await using var coordinator = await LoopbackCoordinator.StartAsync();

        var listener = (Coordinator.Bulk.BulkUploadListener)coordinator.Services.GetService(typeof(Coordinator.Bulk.BulkUploadListener))!;
        Assert.Null(listener.Port);
    }
}
