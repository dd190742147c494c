using System.Runtime.InteropServices;
using Federated.Coordinator.Rounds;
using Microsoft.Data.Sqlite;

namespace Federated.Coordinator.Storage;

/// <summary>
/// Per-round, per-task metric summaries (table <c>metrics</c>, float64 little-endian blobs) and which node evaluated
/// which version (table <c>evaluations</c>).
/// </summary>
public sealed partial class SqliteStore
{
    /// <inheritdoc />
    public double[]? LoadMetric(string runId, string kind, long round, string task)
    {
        lock (_readGate)
        {
            return ReadScalar(
                "SELECT summary FROM metrics WHERE run_id = $run AND kind = $kind AND round = $round AND task = $task",
                ("$run", runId),
                ("$kind", kind),
                ("$round", round),
                ("$task", task)) is byte[] bytes ? MemoryMarshal.Cast<byte, double>(bytes).ToArray() : null;
        }
    }

    /// <inheritdoc />
    public void SaveMetric(StoredMetric metric)
    {
        ArgumentNullException.ThrowIfNull(metric);
        lock (_gate)
        {
            using var transaction = _connection.BeginTransaction();
            SaveMetric(transaction, metric);
            transaction.Commit();
        }
    }

    /// <inheritdoc />
    public IReadOnlyList<StoredMetric> LoadMetrics(string runId)
    {
        lock (_readGate)
        {
            return ReadQuery(
                "SELECT run_id, round, model_version, task, kind, summary FROM metrics WHERE run_id = $run ORDER BY round, kind, task",
                r => new StoredMetric(
                    r.GetString(0),
                    r.GetInt64(1),
                    r.GetInt64(2),
                    r.GetString(3),
                    r.GetString(4),
                    MemoryMarshal.Cast<byte, double>((byte[])r.GetValue(5)).ToArray()),
                ("$run", runId));
        }
    }

    /// <inheritdoc />
    public bool TryInsertEvaluation(string runId, long version, string nodeId)
    {
        lock (_gate)
        {
            return Execute(
                "INSERT OR IGNORE INTO evaluations (run_id, model_version, node_id) VALUES ($run, $version, $node)",
                null,
                ("$run", runId),
                ("$version", version),
                ("$node", nodeId)) == 1;
        }
    }

    private void SaveMetric(SqliteTransaction transaction, StoredMetric metric) =>
        Execute(
            "INSERT OR REPLACE INTO metrics (run_id, round, model_version, task, kind, summary) VALUES ($run, $round, $version, $task, $kind, $summary)",
            transaction,
            ("$run", metric.RunId),
            ("$round", metric.Round),
            ("$version", metric.ModelVersion),
            ("$task", metric.Task),
            ("$kind", metric.Kind),
            ("$summary", MemoryMarshal.AsBytes(metric.Summary.AsSpan()).ToArray()));
}
