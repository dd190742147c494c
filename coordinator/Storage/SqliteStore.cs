using System.Runtime.InteropServices;
using Federated.Coordinator.Rounds;
using Microsoft.Data.Sqlite;

namespace Federated.Coordinator.Storage;

/// <summary>
/// The coordinator's state in one SQLite database (WAL mode): runs and their configs, nodes with token hashes, rounds,
/// accepted uploads, model versions (float32 little-endian blobs) and per-round per-task metrics. One open connection,
/// serialised by a lock; <c>:memory:</c> works for simulations.
/// </summary>
public sealed class SqliteStore : IDisposable
{
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS runs (
            id TEXT PRIMARY KEY, seq INTEGER NOT NULL, name TEXT NOT NULL, config_json TEXT NOT NULL, status TEXT NOT NULL,
            model_version INTEGER NOT NULL, consecutive_failures INTEGER NOT NULL, created_ms INTEGER NOT NULL, message TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS nodes (
            id TEXT PRIMARY KEY, token_hash TEXT NOT NULL, revoked INTEGER NOT NULL, created_ms INTEGER NOT NULL);
        CREATE UNIQUE INDEX IF NOT EXISTS nodes_token ON nodes(token_hash);
        CREATE TABLE IF NOT EXISTS rounds (
            run_id TEXT NOT NULL REFERENCES runs(id), round INTEGER NOT NULL, base_version INTEGER NOT NULL, state TEXT NOT NULL,
            selected TEXT NOT NULL, started_ms INTEGER NOT NULL, deadline_ms INTEGER NOT NULL, closed_ms INTEGER,
            updates INTEGER NOT NULL, result_version INTEGER, PRIMARY KEY (run_id, round));
        CREATE TABLE IF NOT EXISTS uploads (
            run_id TEXT NOT NULL, round INTEGER NOT NULL, node_id TEXT NOT NULL, upload_id TEXT NOT NULL, examples INTEGER NOT NULL,
            received_ms INTEGER NOT NULL, PRIMARY KEY (run_id, round, node_id));
        CREATE TABLE IF NOT EXISTS model_versions (
            run_id TEXT NOT NULL REFERENCES runs(id), version INTEGER NOT NULL, round INTEGER NOT NULL, created_ms INTEGER NOT NULL,
            parameters BLOB NOT NULL, PRIMARY KEY (run_id, version));
        CREATE TABLE IF NOT EXISTS metrics (
            run_id TEXT NOT NULL, round INTEGER NOT NULL, model_version INTEGER NOT NULL, task TEXT NOT NULL, kind TEXT NOT NULL,
            summary BLOB NOT NULL, PRIMARY KEY (run_id, kind, round, task));
        CREATE TABLE IF NOT EXISTS evaluations (
            run_id TEXT NOT NULL, model_version INTEGER NOT NULL, node_id TEXT NOT NULL, PRIMARY KEY (run_id, model_version, node_id));
        """;

    private readonly SqliteConnection _connection;
    private readonly Lock _gate = new();

    /// <summary>Opens (creating if needed) the database at <paramref name="path"/>; <c>:memory:</c> for a private in-memory one.</summary>
    public SqliteStore(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (path != ":memory:")
        {
            var directory = Path.GetDirectoryName(Path.GetFullPath(path));
            if (!string.IsNullOrEmpty(directory))
            {
                Directory.CreateDirectory(directory);
            }
        }

        DatabasePath = path;
        var builder = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = false };
        _connection = new SqliteConnection(builder.ToString());
        _connection.Open();
        Execute("PRAGMA journal_mode=WAL;");
        Execute("PRAGMA synchronous=NORMAL;");
        Execute("PRAGMA busy_timeout=5000;");
        Execute(Schema);
    }

    /// <summary>The database path.</summary>
    public string DatabasePath { get; }

    /// <summary>The sequence number the next run gets (runs ever created + 1).</summary>
    public long NextRunSequence()
    {
        lock (_gate)
        {
            using var command = Command("SELECT COALESCE(MAX(seq), 0) + 1 FROM runs");
            return (long)command.ExecuteScalar()!;
        }
    }

    /// <summary>Stores a new run and its version 0 in one transaction.</summary>
    public void InsertRun(StoredRun run, long sequence, ReadOnlySpan<float> initialParameters)
    {
        ArgumentNullException.ThrowIfNull(run);
        var blob = MemoryMarshal.AsBytes(initialParameters).ToArray();
        lock (_gate)
        {
            using var transaction = _connection.BeginTransaction();
            using (var command = Command(
                "INSERT INTO runs VALUES ($id, $seq, $name, $config, $status, $version, $failures, $created, $message)",
                transaction))
            {
                command.Parameters.AddWithValue("$id", run.Id);
                command.Parameters.AddWithValue("$seq", sequence);
                command.Parameters.AddWithValue("$name", run.Name);
                command.Parameters.AddWithValue("$config", run.ConfigJson);
                command.Parameters.AddWithValue("$status", run.Status.ToString());
                command.Parameters.AddWithValue("$version", run.ModelVersion);
                command.Parameters.AddWithValue("$failures", run.ConsecutiveFailures);
                command.Parameters.AddWithValue("$created", run.CreatedAt.ToUnixTimeMilliseconds());
                command.Parameters.AddWithValue("$message", run.Message);
                command.ExecuteNonQuery();
            }

            InsertVersion(transaction, run.Id, 0, 0, run.CreatedAt, blob);
            transaction.Commit();
        }
    }

    /// <summary>Updates a run's status, failure count and message.</summary>
    public void UpdateRun(string runId, RunStatus status, int consecutiveFailures, string message)
    {
        lock (_gate)
        {
            using var command = Command("UPDATE runs SET status = $status, consecutive_failures = $failures, message = $message WHERE id = $id");
            command.Parameters.AddWithValue("$id", runId);
            command.Parameters.AddWithValue("$status", status.ToString());
            command.Parameters.AddWithValue("$failures", consecutiveFailures);
            command.Parameters.AddWithValue("$message", message);
            command.ExecuteNonQuery();
        }
    }

    /// <summary>Every run, oldest first.</summary>
    public IReadOnlyList<StoredRun> LoadRuns()
    {
        lock (_gate)
        {
            using var command = Command("SELECT id, name, config_json, status, model_version, consecutive_failures, created_ms, message FROM runs ORDER BY seq");
            using var reader = command.ExecuteReader();
            var runs = new List<StoredRun>();
            while (reader.Read())
            {
                runs.Add(new StoredRun(
                    reader.GetString(0),
                    reader.GetString(1),
                    reader.GetString(2),
                    Enum.Parse<RunStatus>(reader.GetString(3)),
                    reader.GetInt64(4),
                    reader.GetInt32(5),
                    DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(6)),
                    reader.GetString(7)));
            }

            return runs;
        }
    }

    /// <summary>The parameters of a committed version, or null.</summary>
    public float[]? LoadVersion(string runId, long version)
    {
        lock (_gate)
        {
            using var command = Command("SELECT parameters FROM model_versions WHERE run_id = $run AND version = $version");
            command.Parameters.AddWithValue("$run", runId);
            command.Parameters.AddWithValue("$version", version);
            using var reader = command.ExecuteReader();
            if (!reader.Read())
            {
                return null;
            }

            using var stream = reader.GetStream(0);
            var values = new float[stream.Length / sizeof(float)];
            stream.ReadExactly(MemoryMarshal.AsBytes(values.AsSpan()));
            return values;
        }
    }

    /// <summary>The round that produced a version (0 for the initial one), or null when the version does not exist.</summary>
    public long? RoundOfVersion(string runId, long version)
    {
        lock (_gate)
        {
            using var command = Command("SELECT round FROM model_versions WHERE run_id = $run AND version = $version");
            command.Parameters.AddWithValue("$run", runId);
            command.Parameters.AddWithValue("$version", version);
            return command.ExecuteScalar() is long round ? round : null;
        }
    }

    /// <summary>Inserts or replaces a round.</summary>
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

    /// <summary>Every round of a run, in order.</summary>
    public IReadOnlyList<StoredRound> LoadRounds(string runId)
    {
        lock (_gate)
        {
            using var command = Command("SELECT round, base_version, state, selected, started_ms, deadline_ms, closed_ms, updates, result_version FROM rounds WHERE run_id = $run ORDER BY round");
            command.Parameters.AddWithValue("$run", runId);
            using var reader = command.ExecuteReader();
            var rounds = new List<StoredRound>();
            while (reader.Read())
            {
                rounds.Add(new StoredRound(
                    runId,
                    reader.GetInt64(0),
                    reader.GetInt64(1),
                    Enum.Parse<RoundState>(reader.GetString(2)),
                    reader.GetString(3).Split(',', StringSplitOptions.RemoveEmptyEntries),
                    DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)),
                    DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5)),
                    reader.IsDBNull(6) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(6)),
                    reader.GetInt32(7),
                    reader.IsDBNull(8) ? null : reader.GetInt64(8)));
            }

            return rounds;
        }
    }

    /// <summary>Records an accepted upload.</summary>
    public void InsertUpload(string runId, long round, string nodeId, string uploadId, long examples, DateTimeOffset at)
    {
        lock (_gate)
        {
            using var command = Command("INSERT OR REPLACE INTO uploads VALUES ($run, $round, $node, $upload, $examples, $at)");
            command.Parameters.AddWithValue("$run", runId);
            command.Parameters.AddWithValue("$round", round);
            command.Parameters.AddWithValue("$node", nodeId);
            command.Parameters.AddWithValue("$upload", uploadId);
            command.Parameters.AddWithValue("$examples", examples);
            command.Parameters.AddWithValue("$at", at.ToUnixTimeMilliseconds());
            command.ExecuteNonQuery();
        }
    }

    /// <summary>The upload id a node had accepted in a round, or null.</summary>
    public string? FindUpload(string runId, long round, string nodeId)
    {
        lock (_gate)
        {
            using var command = Command("SELECT upload_id FROM uploads WHERE run_id = $run AND round = $round AND node_id = $node");
            command.Parameters.AddWithValue("$run", runId);
            command.Parameters.AddWithValue("$round", round);
            command.Parameters.AddWithValue("$node", nodeId);
            return command.ExecuteScalar() as string;
        }
    }

    /// <summary>Forgets the uploads of a round (its aggregate was lost with the process, so they are sent again).</summary>
    public void DeleteUploads(string runId, long round)
    {
        lock (_gate)
        {
            using var command = Command("DELETE FROM uploads WHERE run_id = $run AND round = $round");
            command.Parameters.AddWithValue("$run", runId);
            command.Parameters.AddWithValue("$round", round);
            command.ExecuteNonQuery();
        }
    }

    /// <summary>
    /// Commits a round in one transaction: the new version's parameters, the round's final state, its training metrics
    /// and the run's current version. Nothing is announced before this returns.
    /// </summary>
    public void CommitRound(StoredRound round, long version, ReadOnlySpan<float> parameters, IReadOnlyList<StoredMetric> metrics, RunStatus runStatus)
    {
        ArgumentNullException.ThrowIfNull(round);
        ArgumentNullException.ThrowIfNull(metrics);
        var blob = MemoryMarshal.AsBytes(parameters).ToArray();
        lock (_gate)
        {
            using var transaction = _connection.BeginTransaction();
            InsertVersion(transaction, round.RunId, version, round.Round, round.ClosedAt ?? round.StartedAt, blob);
            SaveRound(transaction, round);
            foreach (var metric in metrics)
            {
                SaveMetric(transaction, metric);
            }

            using (var command = Command("UPDATE runs SET model_version = $version, consecutive_failures = 0, status = $status WHERE id = $id", transaction))
            {
                command.Parameters.AddWithValue("$id", round.RunId);
                command.Parameters.AddWithValue("$version", version);
                command.Parameters.AddWithValue("$status", runStatus.ToString());
                command.ExecuteNonQuery();
            }

            transaction.Commit();
        }
    }

    /// <summary>A stored metric of a task in a round, or null.</summary>
    public double[]? LoadMetric(string runId, string kind, long round, string task)
    {
        lock (_gate)
        {
            using var command = Command("SELECT summary FROM metrics WHERE run_id = $run AND kind = $kind AND round = $round AND task = $task");
            command.Parameters.AddWithValue("$run", runId);
            command.Parameters.AddWithValue("$kind", kind);
            command.Parameters.AddWithValue("$round", round);
            command.Parameters.AddWithValue("$task", task);
            return command.ExecuteScalar() is byte[] bytes ? MemoryMarshal.Cast<byte, double>(bytes).ToArray() : null;
        }
    }

    /// <summary>Inserts or replaces a metric.</summary>
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

    /// <summary>Every metric of a run, by kind, round and task.</summary>
    public IReadOnlyList<StoredMetric> LoadMetrics(string runId)
    {
        lock (_gate)
        {
            using var command = Command("SELECT round, model_version, task, kind, summary FROM metrics WHERE run_id = $run ORDER BY round, kind, task");
            command.Parameters.AddWithValue("$run", runId);
            using var reader = command.ExecuteReader();
            var metrics = new List<StoredMetric>();
            while (reader.Read())
            {
                var bytes = (byte[])reader.GetValue(4);
                metrics.Add(new StoredMetric(runId, reader.GetInt64(0), reader.GetInt64(1), reader.GetString(2), reader.GetString(3), MemoryMarshal.Cast<byte, double>(bytes).ToArray()));
            }

            return metrics;
        }
    }

    /// <summary>Records that a node evaluated a version; false when it already had.</summary>
    public bool TryInsertEvaluation(string runId, long version, string nodeId)
    {
        lock (_gate)
        {
            using var command = Command("INSERT OR IGNORE INTO evaluations VALUES ($run, $version, $node)");
            command.Parameters.AddWithValue("$run", runId);
            command.Parameters.AddWithValue("$version", version);
            command.Parameters.AddWithValue("$node", nodeId);
            return command.ExecuteNonQuery() == 1;
        }
    }

    /// <summary>Creates a node or replaces its token hash, clearing a revocation.</summary>
    public void UpsertNode(string nodeId, string tokenHash, DateTimeOffset at)
    {
        lock (_gate)
        {
            using var command = Command("INSERT INTO nodes VALUES ($id, $hash, 0, $at) ON CONFLICT(id) DO UPDATE SET token_hash = $hash, revoked = 0");
            command.Parameters.AddWithValue("$id", nodeId);
            command.Parameters.AddWithValue("$hash", tokenHash);
            command.Parameters.AddWithValue("$at", at.ToUnixTimeMilliseconds());
            command.ExecuteNonQuery();
        }
    }

    /// <summary>Revokes a node's token; false when the node is unknown.</summary>
    public bool RevokeNode(string nodeId)
    {
        lock (_gate)
        {
            using var command = Command("UPDATE nodes SET revoked = 1 WHERE id = $id");
            command.Parameters.AddWithValue("$id", nodeId);
            return command.ExecuteNonQuery() == 1;
        }
    }

    /// <summary>The node with this id, or null.</summary>
    public StoredNode? FindNode(string nodeId) => QueryNodes("WHERE id = $key", nodeId).FirstOrDefault();

    /// <summary>The node whose current token has this hash, or null.</summary>
    public StoredNode? FindNodeByTokenHash(string tokenHash) => QueryNodes("WHERE token_hash = $key", tokenHash).FirstOrDefault();

    /// <summary>Every node, by id.</summary>
    public IReadOnlyList<StoredNode> LoadNodes() => QueryNodes("", null);

    /// <summary>Runs a cheap read (one schema row) so a health check sees a closed or broken database.</summary>
    /// <exception cref="InvalidOperationException">The store was disposed.</exception>
    /// <exception cref="SqliteException">The database cannot be read.</exception>
    public void Probe()
    {
        lock (_gate)
        {
            using var command = Command("SELECT 1 FROM sqlite_master LIMIT 1");
            command.ExecuteScalar();
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_gate)
        {
            _connection.Dispose();
        }
    }

    private List<StoredNode> QueryNodes(string where, string? key)
    {
        lock (_gate)
        {
            using var command = Command("SELECT id, token_hash, revoked, created_ms FROM nodes " + where + " ORDER BY id");
            if (key is not null)
            {
                command.Parameters.AddWithValue("$key", key);
            }

            using var reader = command.ExecuteReader();
            var nodes = new List<StoredNode>();
            while (reader.Read())
            {
                nodes.Add(new StoredNode(reader.GetString(0), reader.GetString(1), reader.GetInt64(2) != 0, DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3))));
            }

            return nodes;
        }
    }

    private void InsertVersion(SqliteTransaction transaction, string runId, long version, long round, DateTimeOffset at, byte[] blob)
    {
        using var command = Command("INSERT INTO model_versions VALUES ($run, $version, $round, $at, $blob)", transaction);
        command.Parameters.AddWithValue("$run", runId);
        command.Parameters.AddWithValue("$version", version);
        command.Parameters.AddWithValue("$round", round);
        command.Parameters.AddWithValue("$at", at.ToUnixTimeMilliseconds());
        command.Parameters.Add("$blob", SqliteType.Blob).Value = blob;
        command.ExecuteNonQuery();
    }

    private void SaveRound(SqliteTransaction transaction, StoredRound round)
    {
        using var command = Command("INSERT OR REPLACE INTO rounds VALUES ($run, $round, $base, $state, $selected, $started, $deadline, $closed, $updates, $result)", transaction);
        command.Parameters.AddWithValue("$run", round.RunId);
        command.Parameters.AddWithValue("$round", round.Round);
        command.Parameters.AddWithValue("$base", round.BaseVersion);
        command.Parameters.AddWithValue("$state", round.State.ToString());
        command.Parameters.AddWithValue("$selected", string.Join(',', round.Selected));
        command.Parameters.AddWithValue("$started", round.StartedAt.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$deadline", round.Deadline.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$closed", round.ClosedAt is { } closed ? closed.ToUnixTimeMilliseconds() : DBNull.Value);
        command.Parameters.AddWithValue("$updates", round.Updates);
        command.Parameters.AddWithValue("$result", round.ResultVersion is { } result ? result : DBNull.Value);
        command.ExecuteNonQuery();
    }

    private void SaveMetric(SqliteTransaction transaction, StoredMetric metric)
    {
        using var command = Command("INSERT OR REPLACE INTO metrics VALUES ($run, $round, $version, $task, $kind, $summary)", transaction);
        command.Parameters.AddWithValue("$run", metric.RunId);
        command.Parameters.AddWithValue("$round", metric.Round);
        command.Parameters.AddWithValue("$version", metric.ModelVersion);
        command.Parameters.AddWithValue("$task", metric.Task);
        command.Parameters.AddWithValue("$kind", metric.Kind);
        command.Parameters.Add("$summary", SqliteType.Blob).Value = MemoryMarshal.AsBytes(metric.Summary.AsSpan()).ToArray();
        command.ExecuteNonQuery();
    }

    private void Execute(string sql)
    {
        using var command = Command(sql);
        command.ExecuteNonQuery();
    }

    private SqliteCommand Command(string sql, SqliteTransaction? transaction = null)
    {
        var command = _connection.CreateCommand();
#pragma warning disable CA2100 // Every statement is a constant of this class; values go through parameters.
        command.CommandText = sql;
#pragma warning restore CA2100
        command.Transaction = transaction;
        return command;
    }
}
