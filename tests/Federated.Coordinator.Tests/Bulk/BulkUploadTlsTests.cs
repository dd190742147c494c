using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Federated.Protos;
using Federated.Protos.V1;

namespace Federated.Coordinator.Tests.Bulk;

/// <summary>The bulk port behind TLS (<c>BulkUpload:CertificatePath</c>): the ticket says so, and the values go encrypted.</summary>
public sealed class BulkUploadTlsTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task BulkUpload_OverTls_AcceptedWithTheConfiguredCertificate(bool pem)
    {
        var directory = Path.Combine(Path.GetTempPath(), "federated-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var settings = new Dictionary<string, string?>();
        if (pem)
        {
            settings["BulkUpload:CertificatePath"] = Path.Combine(directory, "bulk.crt");
            settings["BulkUpload:CertificateKeyPath"] = Path.Combine(directory, "bulk.key");
            await File.WriteAllTextAsync(settings["BulkUpload:CertificatePath"]!, certificate.ExportCertificatePem());
            await File.WriteAllTextAsync(settings["BulkUpload:CertificateKeyPath"]!, key.ExportPkcs8PrivateKeyPem());
        }
        else
        {
            settings["BulkUpload:CertificatePath"] = Path.Combine(directory, "bulk.pfx");
            settings["BulkUpload:CertificatePassword"] = "pfx-password";
            await File.WriteAllBytesAsync(settings["BulkUpload:CertificatePath"]!, certificate.Export(X509ContentType.Pkcs12, "pfx-password"));
        }

        try
        {
            await using var federation = await BulkFederation.StartAsync(settings);
            var node = federation.Nodes[0];
            var list = BulkFederation.DenseList().ToList();
            var ticket = (await BulkFederation.BeginAsync(node, node.Header(federation.RunId, 1, 0, 10, 10), list)).Ticket;
            Assert.True(ticket.Tls);
            string? presented = null;
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", ticket.Port);
            await using var tls = new SslStream(client.GetStream(), false, (_, served, _, _) => (presented = served?.GetCertHashString()) == certificate.GetCertHashString());
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "127.0.0.1" });
            await tls.WriteAsync(BulkFederation.Preamble(ticket.Ticket));
            await tls.WriteAsync(BulkFederation.Values(list, BulkFederation.Delta(1)));

            var result = await BulkUploadWire.ReadResultAsync(tls, CancellationToken.None);

            Assert.Equal(certificate.GetCertHashString(), presented);
            Assert.Equal(new SubmitUpdateReply { Accepted = true, Round = 1, UpdatesInRound = 1 }, result.Accepted);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task BulkUpload_PlaintextToATlsPort_NothingCounted()
    {
        var directory = Path.Combine(Path.GetTempPath(), "federated-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var certificate = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256).CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var pfx = Path.Combine(directory, "bulk.pfx");
        await File.WriteAllBytesAsync(pfx, certificate.Export(X509ContentType.Pkcs12));
        try
        {
            await using var federation = await BulkFederation.StartAsync(new Dictionary<string, string?> { ["BulkUpload:CertificatePath"] = pfx });
            var node = federation.Nodes[0];
            var list = BulkFederation.DenseList().ToList();
            var header = node.Header(federation.RunId, 1, 0, 10, 10);
            var ticket = (await BulkFederation.BeginAsync(node, header, list)).Ticket;
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", ticket.Port);
            await client.GetStream().WriteAsync(BulkFederation.Preamble(ticket.Ticket));
            await client.GetStream().WriteAsync(BulkFederation.Values(list, BulkFederation.Delta(1)));

            Assert.True(await BulkFederation.ClosedByCoordinatorAsync(client, TimeSpan.FromSeconds(20)));
            var retry = await BulkFederation.BeginAsync(node, header, list);
            Assert.NotNull(retry.Ticket);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
