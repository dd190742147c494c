using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Federated.Coordinator.Tests.Dashboard;

/// <summary>The dashboard behind TLS: <c>Dashboard:Url</c> https:// with a certificate file.</summary>
public sealed class DashboardTlsTests
{
    [Fact]
    public async Task SignIn_OverHttps_ServedWithTheCertificateAndSecureCookie()
    {
        var directory = Path.Combine(Path.GetTempPath(), "federated-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        var pfx = Path.Combine(directory, "dashboard.pfx");
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        await File.WriteAllBytesAsync(pfx, certificate.Export(X509ContentType.Pkcs12, "pfx-password"));
        try
        {
            await using var coordinator = await LoopbackCoordinator.StartAsync(new Dictionary<string, string?>
            {
                ["Dashboard:Url"] = "https://127.0.0.1:0",
                ["Dashboard:CertificatePath"] = pfx,
                ["Dashboard:CertificatePassword"] = "pfx-password",
            });
            string? served = null;
            using var handler = new HttpClientHandler
            {
                AllowAutoRedirect = false,
                ServerCertificateCustomValidationCallback = (_, presented, _, _) => (served = presented?.Thumbprint) == certificate.Thumbprint,
            };
            using var client = new HttpClient(handler) { BaseAddress = coordinator.DashboardAddress };

            var page = await client.GetAsync(new Uri("/signin", UriKind.Relative));
            using var session = new DashboardSessionOverTls(coordinator.DashboardAddress, certificate.Thumbprint);
            var signIn = await session.Inner.SignInAsync(CoordinatorTestHost.AdminToken);

            Assert.Equal("https", coordinator.DashboardAddress.Scheme);
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.Equal(certificate.Thumbprint, served);
            Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
            var cookie = Assert.Single(signIn.Headers.GetValues("Set-Cookie"), c => c.StartsWith("federated-dashboard=", StringComparison.Ordinal));
            Assert.Contains("secure", cookie, StringComparison.OrdinalIgnoreCase);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>A <see cref="DashboardSession"/> that trusts exactly one certificate.</summary>
    private sealed class DashboardSessionOverTls(Uri dashboard, string thumbprint) : IDisposable
    {
        public DashboardSession Inner { get; } = new(dashboard, (_, presented, _, _) => presented?.Thumbprint == thumbprint);

        public void Dispose() => Inner.Dispose();
    }
}
