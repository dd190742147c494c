using System.Security.Cryptography.X509Certificates;

namespace Federated.Coordinator.Hosting;

/// <summary>Loads a server certificate as the coordinator's options name it: a PKCS#12 file, or a PEM certificate and key.</summary>
internal static class CertificateFiles
{
    /// <summary>The certificate of <paramref name="path"/> (PKCS#12 when <paramref name="keyPath"/> is empty, else PEM with that key).</summary>
    /// <param name="path">The certificate file.</param>
    /// <param name="keyPath">The PEM private key, or empty for a PKCS#12 file.</param>
    /// <param name="password">The PKCS#12 password or the encrypted PEM key's password; empty for none.</param>
    public static X509Certificate2 Load(string path, string keyPath, string password)
    {
        var secret = password.Length > 0 ? password : null;
        if (keyPath.Length > 0)
        {
            return secret is null
                ? X509Certificate2.CreateFromPemFile(path, keyPath)
                : X509Certificate2.CreateFromEncryptedPemFile(path, secret, keyPath);
        }

        return X509CertificateLoader.LoadPkcs12FromFile(path, secret);
    }
}
