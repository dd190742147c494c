using Federated.Coordinator.Rounds;
using Microsoft.Data.Sqlite;

namespace Federated.Coordinator.Storage;

/// <summary>Enrolled nodes and the SHA-256 hashes of their tokens (table <c>nodes</c>; a token hash is unique).</summary>
public sealed partial class SqliteStore
{
    private const string NodeColumns = "id, token_hash, revoked, created_ms";

    /// <summary>Creates a node or replaces its token hash, clearing a revocation (its creation time stays).</summary>
    public void UpsertNode(string nodeId, string tokenHash, DateTimeOffset at)
    {
        lock (_gate)
        {
            Execute(
                "INSERT INTO nodes (" + NodeColumns + ") VALUES ($id, $hash, 0, $at) ON CONFLICT(id) DO UPDATE SET token_hash = $hash, revoked = 0",
                null,
                ("$id", nodeId),
                ("$hash", tokenHash),
                ("$at", Milliseconds(at)));
        }
    }

    /// <summary>Revokes a node's token; false when the node is unknown.</summary>
    public bool RevokeNode(string nodeId)
    {
        lock (_gate)
        {
            return Execute("UPDATE nodes SET revoked = 1 WHERE id = $id", null, ("$id", nodeId)) == 1;
        }
    }

    /// <inheritdoc />
    public StoredNode? FindNode(string nodeId)
    {
        lock (_readGate)
        {
            return ReadQuery("SELECT " + NodeColumns + " FROM nodes WHERE id = $key", ReadNode, ("$key", nodeId)).FirstOrDefault();
        }
    }

    /// <summary>The node whose current token has this hash, or null.</summary>
    public StoredNode? FindNodeByTokenHash(string tokenHash)
    {
        lock (_readGate)
        {
            return ReadQuery("SELECT " + NodeColumns + " FROM nodes WHERE token_hash = $key", ReadNode, ("$key", tokenHash)).FirstOrDefault();
        }
    }

    /// <summary>Every node, by id.</summary>
    public IReadOnlyList<StoredNode> LoadNodes()
    {
        lock (_readGate)
        {
            return ReadQuery("SELECT " + NodeColumns + " FROM nodes ORDER BY id", ReadNode);
        }
    }

    private static StoredNode ReadNode(SqliteDataReader r) =>
        new(r.GetString(0), r.GetString(1), r.GetInt64(2) != 0, Time(r.GetInt64(3)));
}
