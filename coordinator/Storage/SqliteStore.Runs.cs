using System.Runtime.InteropServices;
using Federated.Coordinator.Aggregation;
using Federated.Coordinator.Rounds;
using Microsoft.Data.Sqlite;

namespace Federated.Coordinator.Storage;

/// <summary>Runs, rounds and accepted uploads (tables <c>runs</c>, <c>rounds</c>, <c>uploads</c>).</summary>
public sealed partial class SqliteStore
{
    private const string RoundColumns = "run_id, round, base_version, state, selected, started_ms, deadline_ms, closed_ms, updates, result_version, released";

    /// <inheritdoc />
    public long NextRunSequence()
    {
        lock (_gate)
        {
            return (long)Scalar("SELECT COALESCE(MAX(seq), 0) + 1 FROM runs")!;
        }
    }

    /// <inheritdoc />
    public void InsertRun(StoredRun run, long sequence, ReadOnlySpan<float> initialParameters)
    {
        ArgumentNullException.ThrowIfNull(run);
        var blob = MemoryMarshal.AsBytes(initialParameters).ToArray();
        lock (_gate)
        {
            using var transaction = _connection.BeginTransaction();
            Execute(
                """
                INSERT INTO runs (id, seq, name, config_json, status, model_version, consecutive_failures, created_ms, message)
                VALUES ($id, $seq, $name, $config, $status, $version, $failures, $created, $message)
                """,
                transaction,
                ("$id", run.Id),
                ("$seq", sequence),
                ("$name", run.Name),
                ("$config", run.ConfigJson),
                ("$status", StoredNames.Of(run.Status)),
                ("$version", run.ModelVersion),
                ("$failures", run.ConsecutiveFailures),
                ("$created", Milliseconds(run.CreatedAt)),
                ("$message", run.Message));
            InsertVersion(transaction, run.Id, 0, 0, run.CreatedAt, blob);
            transaction.Commit();
        }
    }

    /// <inheritdoc />
    public void UpdateRun(string runId, RunStatus status, int consecutiveFailures, string message)
    {
        lock (_gate)
        {
            Execute(
                "UPDATE runs SET status = $status, consecutive_failures = $failures, message = $message WHERE id = $id",
                null,
                ("$id", runId),
                ("$status", StoredNames.Of(status)),
                ("$failures", consecutiveFailures),
                ("$message", message));
        }
    }

    /// <inheritdoc />
    public IReadOnlyList<StoredRun> LoadRuns()
    {
        lock (_readGate)
        {
            return ReadQuery(
                "SELECT id, name, config_json, status, model_version, consecutive_failures, created_ms, message FROM runs ORDER BY seq",
                r => new StoredRun(
                    r.GetString(0),
                    r.GetString(1),
                    r.GetString(2),
                    StoredNames.ParseRunStatus(r.GetString(3)),
                    r.GetInt64(4),
                    r.GetInt32(5),
                    Time(r.GetInt64(6)),
                    r.GetString(7)));
        }
    }

    /// <inheritdoc />
    public void SaveRound(StoredRound round)
    {
        ArgumentNullException.ThrowIfNull(round);
        lock (_gate)
        {
            using var transaction = _connection.BeginTransaction();
            SaveRound(transaction, round);
            transaction.Commit();
        }
    }

    /// <inheritdoc />
    public IReadOnlyList<StoredRound> LoadRounds(string runId)
    {
        lock (_readGate)
        {
            return ReadQuery(
                "SELECT " + RoundColumns + " FROM rounds WHERE run_id = $run ORDER BY round",
                r => new StoredRound(
                    r.GetString(0),
                    r.GetInt64(1),
                    r.GetInt64(2),
                    StoredNames.ParseRoundState(r.GetString(3)),
                    r.GetString(4).Split(',', StringSplitOptions.RemoveEmptyEntries),
                    Time(r.GetInt64(5)),
                    Time(r.GetInt64(6)),
                    r.IsDBNull(7) ? null : Time(r.GetInt64(7)),
                    r.GetInt32(8),
                    r.IsDBNull(9) ? null : r.GetInt64(9),
                    r.GetString(10).Split(',', StringSplitOptions.RemoveEmptyEntries)),
                ("$run", runId));
        }
    }

    /// <inheritdoc />
    public void CommitRound(StoredRound round, long version, ReadOnlySpan<float> parameters, IReadOnlyList<StoredMetric> metrics, RunStatus runStatus, byte[]? strategyState = null, ParameterChanges? changes = null)
    {
        ArgumentNullException.ThrowIfNull(round);
        ArgumentNullException.ThrowIfNull(metrics);
        lock (_gate)
        {
            using var transaction = _connection.BeginTransaction();
            InsertCommittedVersion(transaction, round.RunId, version, round.Round, round.ClosedAt ?? round.StartedAt, parameters, changes, strategyState);
            SaveRound(transaction, round);
            foreach (var metric in metrics)
            {
                SaveMetric(transaction, metric);
            }

            Execute(
                "UPDATE runs SET model_version = $version, consecutive_failures = 0, status = $status WHERE id = $id",
                transaction,
                ("$id", round.RunId),
                ("$version", version),
                ("$status", StoredNames.Of(runStatus)));
            transaction.Commit();
        }
    }

    /// <inheritdoc />
    public void InsertUpload(string runId, long round, string nodeId, string uploadId, long examples, DateTimeOffset at)
    {
        lock (_gate)
        {
            Execute(
                """
                INSERT OR REPLACE INTO uploads (run_id, round, node_id, upload_id, examples, received_ms)
                VALUES ($run, $round, $node, $upload, $examples, $at)
                """,
                null,
                ("$run", runId),
                ("$round", round),
                ("$node", nodeId),
                ("$upload", uploadId),
                ("$examples", examples),
                ("$at", Milliseconds(at)));
        }
    }

    /// <inheritdoc />
    public string? FindUpload(string runId, long round, string nodeId)
    {
        lock (_readGate)
        {
            return ReadScalar(
                "SELECT upload_id FROM uploads WHERE run_id = $run AND round = $round AND node_id = $node",
                ("$run", runId),
                ("$round", round),
                ("$node", nodeId)) as string;
        }
    }

    /// <inheritdoc />
    public void DeleteUploads(string runId, long round)
    {
        lock (_gate)
        {
            Execute("DELETE FROM uploads WHERE run_id = $run AND round = $round", null, ("$run", runId), ("$round", round));
        }
    }

    private void SaveRound(SqliteTransaction transaction, StoredRound round) =>
        Execute(
            "INSERT OR REPLACE INTO rounds (" + RoundColumns + ") VALUES ($run, $round, $base, $state, $selected, $started, $deadline, $closed, $updates, $result, $released)",
            transaction,
            ("$run", round.RunId),
            ("$round", round.Round),
            ("$base", round.BaseVersion),
            ("$state", StoredNames.Of(round.State)),
            ("$selected", string.Join(',', round.Selected)),
            ("$started", Milliseconds(round.StartedAt)),
            ("$deadline", Milliseconds(round.Deadline)),
            ("$closed", round.ClosedAt is { } closed ? Milliseconds(closed) : null),
            ("$updates", round.Updates),
            ("$result", round.ResultVersion),
            ("$released", string.Join(',', round.Released ?? [])));
}
