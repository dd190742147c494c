using System.Net;
using Microsoft.Extensions.Options;

namespace Federated.Coordinator.Bulk;

/// <summary>Validates <see cref="BulkUploadOptions"/> (attributes, source-generated, then address and TLS); messages name the key.</summary>
[OptionsValidator]
internal sealed partial class BulkUploadAttributeValidator : IValidateOptions<BulkUploadOptions>;

/// <summary>Checks what the attributes cannot: the address, the certificate files, and that plaintext stays on loopback unless allowed.</summary>
internal sealed class BulkUploadOptionsValidator : IValidateOptions<BulkUploadOptions>
{
    private readonly BulkUploadAttributeValidator _attributes = new();

    public ValidateOptionsResult Validate(string? name, BulkUploadOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var result = _attributes.Validate(name, options);
        if (result.Failed || !options.Enabled)
        {
            return result;
        }

        if (!IPAddress.TryParse(options.Address, out var address))
        {
            return ValidateOptionsResult.Fail($"BulkUpload:Address '{options.Address}' must be an IP address (0.0.0.0 or :: for every address)");
        }

        if (options.Tls && !File.Exists(options.CertificatePath))
        {
            return ValidateOptionsResult.Fail($"BulkUpload:CertificatePath '{options.CertificatePath}' does not exist");
        }

        if (options.CertificateKeyPath.Length > 0 && !File.Exists(options.CertificateKeyPath))
        {
            return ValidateOptionsResult.Fail($"BulkUpload:CertificateKeyPath '{options.CertificateKeyPath}' does not exist");
        }

        if (!options.Tls && !IPAddress.IsLoopback(address) && !options.AllowPlaintext)
        {
            return ValidateOptionsResult.Fail(
                $"BulkUpload:Address {options.Address} is not loopback, so updates would cross the network in clear: set BulkUpload:CertificatePath for TLS, or BulkUpload:AllowPlaintext=true on a network you trust");
        }

        return ValidateOptionsResult.Success;
    }
}
