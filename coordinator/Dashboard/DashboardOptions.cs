using System.ComponentModel.DataAnnotations;
using Federated.Coordinator.Hosting;

namespace Federated.Coordinator.Dashboard;

/// <summary>
/// The operator's console in a browser, section <c>Dashboard</c>: its own plain HTTP/1.1 (or HTTPS) endpoint beside the
/// gRPC one, which speaks HTTP/2 only and so cannot serve browsers.
/// </summary>
public sealed class DashboardOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Dashboard";

    /// <summary>
    /// Where the dashboard listens: <c>http://</c> or <c>https://</c>, a host that is <c>localhost</c>, an IP address or
    /// <c>*</c> (every address), and a port (0: any free one). Default <c>http://127.0.0.1:5080</c>; empty turns the
    /// dashboard (and <c>/metrics</c>) off. An <c>https://</c> URL needs <see cref="CertificatePath"/>.
    /// </summary>
    public string Url { get; set; } = "http://127.0.0.1:5080";

    /// <summary>
    /// A second token that signs in read-only: pages, charts and live updates, no action. Default empty: only the admin
    /// token signs in. At least 16 characters.
    /// </summary>
    [RegularExpression("^(|.{16,})$", ErrorMessage = "Dashboard:ViewerToken must be at least 16 characters (or empty for none)")]
    public string ViewerToken { get; set; } = "";

    /// <summary>How long a session lasts without a request, in minutes (each request renews it). Default 60; range [1, 10,080].</summary>
    [SettingRange(1.0, 10_080.0, ErrorMessage = "Dashboard:SessionMinutes must be in [1, 10080]")]
    public double SessionMinutes { get; set; } = 60;

    /// <summary>Most sign-in page requests (shown or submitted) per client address and minute; more is HTTP 429. Default 20; range [1, 10,000].</summary>
    [SettingRange(1, 10_000, ErrorMessage = "Dashboard:SignInRequestsPerMinute must be in [1, 10000]")]
    public int SignInRequestsPerMinute { get; set; } = 20;

    /// <summary>Most open browser connections at once (each open run page holds one for live updates). Default 100; range [1, 100,000].</summary>
    [SettingRange(1, 100_000, ErrorMessage = "Dashboard:MaxConnections must be in [1, 100000]")]
    public int MaxConnections { get; set; } = 100;

    /// <summary>The HTTPS certificate: a PKCS#12 file (with <see cref="CertificatePassword"/>), or a PEM certificate with <see cref="CertificateKeyPath"/>. Default empty.</summary>
    public string CertificatePath { get; set; } = "";

    /// <summary>The PEM private key of <see cref="CertificatePath"/>; empty for a PKCS#12 file.</summary>
    public string CertificateKeyPath { get; set; } = "";

    /// <summary>The password of the PKCS#12 file or the encrypted PEM key; empty for none.</summary>
    public string CertificatePassword { get; set; } = "";

    /// <summary>Whether <see cref="Url"/> turns the dashboard on.</summary>
    public bool Enabled => Url.Length > 0;
}
