using System.Security.Cryptography;
using System.Text;

namespace Federated.Coordinator.Security;

/// <summary>The operator API's admin token, kept as its SHA-256 and compared in constant time.</summary>
internal sealed class AdminCredential
{
    private readonly byte[] _tokenHash;

    /// <summary>Creates the credential for <paramref name="adminToken"/> (not empty).</summary>
    public AdminCredential(string adminToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(adminToken);
        _tokenHash = Hash(adminToken);
    }

    /// <summary>Whether <paramref name="token"/> is the admin token; the time taken does not depend on where they differ.</summary>
    public bool Matches(string token) => CryptographicOperations.FixedTimeEquals(Hash(token), _tokenHash);

    private static byte[] Hash(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));
}
