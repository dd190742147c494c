using Federated.Coordinator.Hosting;

namespace Federated.Coordinator.Bulk;

/// <summary>
/// The bulk upload listener, section <c>BulkUpload</c>: a plain TCP (or TLS) port beside the gRPC endpoint on which a
/// node sends an update's values in place, after <c>BeginBulkUpload</c> gave it a ticket (federation.proto). It spares
/// the coordinator HTTP/2 framing and protobuf copies: the values are read from the socket straight into the update's
/// arrays. Off by default.
/// </summary>
public sealed class BulkUploadOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "BulkUpload";

    /// <summary>
    /// Whether the bulk listener runs. Default false: BeginBulkUpload is refused <c>bulk-upload-off</c> and nodes use
    /// SubmitUpdate.
    /// </summary>
    public bool Enabled { get; set; }

    /// <summary>
    /// The TCP port to listen on. Default 0: one the system chooses when the coordinator starts (nodes learn it from their
    /// tickets; set a fixed one for a firewall). Range [0, 65535].
    /// </summary>
    [SettingRange(0, 65_535, ErrorMessage = "BulkUpload:Port must be in [0, 65535]")]
    public int Port { get; set; }

    /// <summary>
    /// The IP address to bind (<c>0.0.0.0</c> or <c>::</c> for every address). Default <c>127.0.0.1</c>. Any address but a
    /// loopback one needs TLS (<see cref="CertificatePath"/>) or <see cref="AllowPlaintext"/>.
    /// </summary>
    public string Address { get; set; } = "127.0.0.1";

    /// <summary>
    /// The TLS certificate, as for the dashboard: a PKCS#12 file (with <see cref="CertificatePassword"/>) or a PEM
    /// certificate with <see cref="CertificateKeyPath"/>. Use the certificate of the gRPC endpoint's host name: a node
    /// checks it for that name. Default empty: no TLS.
    /// </summary>
    public string CertificatePath { get; set; } = "";

    /// <summary>The PEM private key of <see cref="CertificatePath"/>; empty for a PKCS#12 file.</summary>
    public string CertificateKeyPath { get; set; } = "";

    /// <summary>The password of the PKCS#12 file or of the encrypted PEM key; empty for none.</summary>
    public string CertificatePassword { get; set; } = "";

    /// <summary>
    /// Allows a plaintext listener on an address other than loopback: updates then cross the network in clear. Only for
    /// a network you trust (or one already encrypted, e.g. a VPN). Default false.
    /// </summary>
    public bool AllowPlaintext { get; set; }

    /// <summary>How long a ticket stays good after <c>BeginBulkUpload</c> issued it, in seconds. Default 30; range [1, 3600].</summary>
    [SettingRange(1.0, 3600.0, ErrorMessage = "BulkUpload:TicketSeconds must be in [1, 3600]")]
    public double TicketSeconds { get; set; } = 30;

    /// <summary>How long a new connection may take to send its 40-byte preamble (and finish TLS), in seconds. Default 10; range [0.1, 600].</summary>
    [SettingRange(0.1, 600.0, ErrorMessage = "BulkUpload:PreambleSeconds must be in [0.1, 600]")]
    public double PreambleSeconds { get; set; } = 10;

    /// <summary>
    /// Most bulk connections open at once; a further one is closed as soon as it is accepted. Memory for values is bounded
    /// by <c>Coordinator:MaxUploadsInFlight</c> as for gRPC uploads, not by this. Default 128; range [1, 100,000].
    /// </summary>
    [SettingRange(1, 100_000, ErrorMessage = "BulkUpload:MaxConnections must be in [1, 100000]")]
    public int MaxConnections { get; set; } = 128;

    /// <summary>Whether connections use TLS.</summary>
    public bool Tls => CertificatePath.Length > 0;
}
