using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Federated.Coordinator.Storage;

/// <summary>
/// The database schema as an ordered list of small steps. The file's <c>PRAGMA user_version</c> is the number of steps
/// applied to it: 0 is an empty file or one written before the schema had a version (its tables exist, with enum
/// names as <c>ToString()</c> wrote them). At open, every missing step runs in one transaction, each bumping
/// <c>user_version</c>; a file with a version above <see cref="LatestVersion"/> is refused untouched.
/// </summary>
/// <remarks>
/// A step, once released, never changes: files in the field went through it. A change to the schema is a new step at
/// the end, with a comment saying why. Steps name literal values (not <see cref="StoredNames"/>), since they record what
/// a file held at that point in its history.
/// </remarks>
internal static class SchemaMigrations
{
    /// <summary><c>Steps[i]</c> takes a file from version <c>i</c> to <c>i + 1</c>.</summary>
    private static readonly string[] Steps =
    [
        // 0 -> 1: the schema as it was before versioning. IF NOT EXISTS, because a version-0 file written by that code
        // already has these tables (and rows), while an empty version-0 file has none.
        """
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
        """,

        // 1 -> 2: enums were stored with ToString(), which ties the file to the C# member names (a rename would make
        // old files unreadable). From here on they are the fixed lower-case names of StoredNames. Unknown text is left
        // as it is, so that reading it fails with a message naming the value rather than this step guessing.
        """
        UPDATE runs SET status = CASE status
            WHEN 'Running' THEN 'running' WHEN 'Paused' THEN 'paused' WHEN 'Completed' THEN 'completed'
            WHEN 'Stopped' THEN 'stopped' WHEN 'Failed' THEN 'failed' ELSE status END;
        UPDATE rounds SET state = CASE state
            WHEN 'Open' THEN 'open' WHEN 'Committed' THEN 'committed' WHEN 'Failed' THEN 'failed'
            WHEN 'Abandoned' THEN 'abandoned' ELSE state END;
        """,

        // 2 -> 3: model-version retention keeps the newest versions, version 0 and the versions an operator marked;
        // the mark lives beside the version so that pruning is one DELETE and a pruned version takes its mark along.
        """
        ALTER TABLE model_versions ADD COLUMN kept INTEGER NOT NULL DEFAULT 0;
        """,

        // 3 -> 4: server optimisers (fedadam, …) carry moments from round to round; they are stored with the version
        // they led to, in its row, so that the commit writes them in the same transaction and retention deletes them with
        // it. NULL for the versions of stateless strategies and for every version written before this step.
        """
        ALTER TABLE model_versions ADD COLUMN strategy_state BLOB;
        """,

        // 4 -> 5: a selected node that leaves or is revoked releases its slot, and a restarted coordinator must not wait
        // for it again, so the round keeps whom it released. Who joined which run and when each node was last seen
        // are kept too, so that an operator sees the same after a restart (they were held in memory only).
        """
        ALTER TABLE rounds ADD COLUMN released TEXT NOT NULL DEFAULT '';
        CREATE TABLE node_runs (
            node_id TEXT NOT NULL, run_id TEXT NOT NULL, last_seen_ms INTEGER NOT NULL, PRIMARY KEY (node_id, run_id));
        """,

        // 5 -> 6: a row-sparse round changes a few rows of a table, yet every commit wrote the whole model. A version may
        // now be a delta over the version before it (delta_base = version - 1, its blob the new values of the ranges the
        // round changed; value_count = the version's size in floats), rebuilt from the last whole version before it. A
        // pruned version that a stored delta still builds on stays as a link (link_only = 1): neither listed nor loadable,
        // deleted with the last version that needs it. Rows written before this step are whole versions.
        """
        ALTER TABLE model_versions ADD COLUMN delta_base INTEGER;
        ALTER TABLE model_versions ADD COLUMN value_count INTEGER;
        ALTER TABLE model_versions ADD COLUMN link_only INTEGER NOT NULL DEFAULT 0;
        """,
    ];

    /// <summary>The schema version this code writes: the number of steps.</summary>
    public static int LatestVersion => Steps.Length;

    /// <summary>
    /// Brings the database on <paramref name="connection"/> to <see cref="LatestVersion"/> in one transaction (an
    /// immediate one, so a second process opening the same file waits rather than migrating too).
    /// </summary>
    /// <param name="connection">An open connection with no transaction.</param>
    /// <param name="path">The database path, for the error message.</param>
    /// <returns>How many steps ran (0 when the file was already current).</returns>
    /// <exception cref="SchemaVersionException">The file's version is negative or above <see cref="LatestVersion"/>.</exception>
    public static int Apply(SqliteConnection connection, string path)
    {
        ArgumentNullException.ThrowIfNull(connection);
        using var transaction = connection.BeginTransaction(deferred: false);
        var version = ReadVersion(connection, transaction);
        if (version < 0 || version > LatestVersion)
        {
            throw new SchemaVersionException(path, version, LatestVersion);
        }

        for (var step = version; step < LatestVersion; step++)
        {
            Execute(connection, transaction, Steps[step]);
            Execute(connection, transaction, "PRAGMA user_version = " + (step + 1).ToString(CultureInfo.InvariantCulture));
        }

        transaction.Commit();
        return LatestVersion - version;
    }

    /// <summary>The file's <c>PRAGMA user_version</c>.</summary>
    public static int ReadVersion(SqliteConnection connection, SqliteTransaction? transaction = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "PRAGMA user_version";
        return Convert.ToInt32(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    private static void Execute(SqliteConnection connection, SqliteTransaction transaction, string sql)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
#pragma warning disable CA2100 // Constant steps of this class, and an integer we formatted.
        command.CommandText = sql;
#pragma warning restore CA2100
        command.ExecuteNonQuery();
    }
}
