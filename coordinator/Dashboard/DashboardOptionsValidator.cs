using System.Net;
using Microsoft.Extensions.Options;

namespace Federated.Coordinator.Dashboard;

/// <summary>Validates <see cref="DashboardOptions"/> (attributes, source-generated, then the URL and certificate); messages name the key.</summary>
[OptionsValidator]
internal sealed partial class DashboardAttributeValidator : IValidateOptions<DashboardOptions>;

/// <summary>Checks what the attributes cannot: the URL's form and that HTTPS has a certificate.</summary>
internal sealed class DashboardOptionsValidator : IValidateOptions<DashboardOptions>
{
    private readonly DashboardAttributeValidator _attributes = new();

    public ValidateOptionsResult Validate(string? name, DashboardOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var result = _attributes.Validate(name, options);
        if (result.Failed || !options.Enabled)
        {
            return result;
        }

        if (!TryParseEndpoint(options.Url, out _, out _, out var https))
        {
            return ValidateOptionsResult.Fail($"Dashboard:Url '{options.Url}' must be http:// or https://, a host that is localhost, an IP address or *, and a port (e.g. http://127.0.0.1:5080), with no path; empty turns the dashboard off");
        }

        if (https && options.CertificatePath.Length == 0)
        {
            return ValidateOptionsResult.Fail("Dashboard:Url is https:// but Dashboard:CertificatePath is empty: name a PKCS#12 file, or a PEM certificate with Dashboard:CertificateKeyPath");
        }

        if (options.CertificatePath.Length > 0 && !File.Exists(options.CertificatePath))
        {
            return ValidateOptionsResult.Fail($"Dashboard:CertificatePath '{options.CertificatePath}' does not exist");
        }

        return ValidateOptionsResult.Success;
    }

    /// <summary>Reads a dashboard URL: the address to bind (null: every address; loopback for <c>localhost</c>), the port and whether it is HTTPS.</summary>
    internal static bool TryParseEndpoint(string url, out IPAddress? address, out int port, out bool https)
    {
        address = null;
        port = 0;
        https = false;

        // '*' and '+' are not valid URI hosts; read them as Kestrel does, as every address.
        var host = url.Replace("://*:", "://0.0.0.0:", StringComparison.Ordinal).Replace("://+:", "://0.0.0.0:", StringComparison.Ordinal);
        if (!Uri.TryCreate(host, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.AbsolutePath != "/" || uri.Query.Length > 0 || uri.Fragment.Length > 0 || uri.UserInfo.Length > 0)
        {
            return false;
        }

        https = uri.Scheme == "https";
        port = uri.Port;
        if (uri.IsLoopback && uri.HostNameType == UriHostNameType.Dns)
        {
            address = IPAddress.Loopback;
            return true;
        }

        if (!IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip))
        {
            return false;
        }

        address = ip.Equals(IPAddress.Any) ? null : ip;
        return true;
    }
}
