using Federated.Coordinator.Rounds;

namespace Federated.Coordinator.Storage;

/// <summary>Which runs each node joined and when it last called for each (table <c>node_runs</c>).</summary>
public sealed partial class SqliteStore
{
    /// <inheritdoc />
    public void SaveNodeSeen(string nodeId, string runId, DateTimeOffset at)
    {
        lock (_gate)
        {
            Execute(
                "INSERT INTO node_runs (node_id, run_id, last_seen_ms) VALUES ($node, $run, $at) ON CONFLICT(node_id, run_id) DO UPDATE SET last_seen_ms = $at",
                null,
                ("$node", nodeId),
                ("$run", runId),
                ("$at", Milliseconds(at)));
        }
    }

    /// <inheritdoc />
    public void DeleteNodeRun(string nodeId, string runId)
    {
        lock (_gate)
        {
            Execute("DELETE FROM node_runs WHERE node_id = $node AND run_id = $run", null, ("$node", nodeId), ("$run", runId));
        }
    }

    /// <inheritdoc />
    public IReadOnlyList<StoredNodeRun> LoadNodeRuns()
    {
        lock (_readGate)
        {
            return ReadQuery(
                "SELECT node_id, run_id, last_seen_ms FROM node_runs ORDER BY node_id, run_id",
                r => new StoredNodeRun(r.GetString(0), r.GetString(1), Time(r.GetInt64(2))));
        }
    }
}
