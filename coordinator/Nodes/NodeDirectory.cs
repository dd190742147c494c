using System.Security.Cryptography;
using System.Text;
using Federated.Coordinator.Rounds;
using Federated.Coordinator.Storage;

namespace Federated.Coordinator.Nodes;

/// <summary>
/// Enrolled nodes and their bearer tokens. A token is 32 random bytes (base64url, prefixed <c>fnt_</c>) shown once at
/// issue; only its SHA-256 is stored, so a leaked database reveals no usable token.
/// </summary>
public sealed class NodeDirectory
{
    private const string TokenPrefix = "fnt_";
    private readonly SqliteStore _store;
    private readonly TimeProvider _time;

    /// <summary>Creates the directory over a store.</summary>
    public NodeDirectory(SqliteStore store, TimeProvider time)
    {
        _store = store;
        _time = time;
    }

    /// <summary>Enrols <paramref name="nodeId"/> if needed and issues it a new token, replacing (and un-revoking) any earlier one.</summary>
    /// <exception cref="ArgumentException">The id is blank, longer than 128 characters, or has characters other than letters, digits, '-', '_', '.'.</exception>
    public string IssueToken(string nodeId)
    {
        ValidateNodeId(nodeId);
        var token = TokenPrefix + Base64Url(RandomNumberGenerator.GetBytes(32));
        _store.UpsertNode(nodeId, Hash(token), _time.GetUtcNow());
        return token;
    }

    /// <summary>Revokes a node's token; false when no such node is enrolled.</summary>
    public bool Revoke(string nodeId) => _store.RevokeNode(nodeId);

    /// <summary>The node a token belongs to (possibly revoked), or null when no node has it.</summary>
    public StoredNode? Authenticate(string? token) =>
        string.IsNullOrEmpty(token) ? null : _store.FindNodeByTokenHash(Hash(token));

    /// <summary>The node with this id, or null.</summary>
    public StoredNode? Find(string nodeId) => _store.FindNode(nodeId);

    /// <summary>Every enrolled node.</summary>
    public IReadOnlyList<StoredNode> List() => _store.LoadNodes();

    /// <summary>Lower-case hex SHA-256 of a token's UTF-8 bytes.</summary>
    public static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    /// <summary>Checks a node id's form.</summary>
    public static void ValidateNodeId(string nodeId)
    {
        if (string.IsNullOrWhiteSpace(nodeId))
        {
            throw new ArgumentException("a node id is needed: 1–128 characters of letters, digits, '-', '_' or '.'", nameof(nodeId));
        }

        if (nodeId.Length > 128 || !nodeId.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
        {
            throw new ArgumentException($"node id '{nodeId}' must be 1–128 characters of letters, digits, '-', '_' or '.'", nameof(nodeId));
        }
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
