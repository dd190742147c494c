using System.Runtime.InteropServices;
using Federated.Coordinator.Rounds;
using Microsoft.Data.Sqlite;

namespace Federated.Coordinator.Storage;

/// <summary>
/// Model versions (table <c>model_versions</c>) and their retention. A version's parameters are an opaque blob of
/// float32 values in little-endian order; its length is whatever was written (it may differ between versions of the
/// code), and is never assumed here. Beside them, column <c>strategy_state</c> holds the opaque state of a stateful
/// strategy after the round that produced the version (NULL for version 0 and for stateless strategies); it lives in the
/// version's row so that pruning deletes it with the version. Pruning frees pages for reuse by SQLite; the file itself does not shrink.
/// </summary>
public sealed partial class SqliteStore
{
    /// <inheritdoc />
    public float[]? LoadVersion(string runId, long version)
    {
        lock (_readGate)
        {
            using var command = ReadCommand(
                "SELECT parameters FROM model_versions WHERE run_id = $run AND version = $version",
                null,
                [("$run", runId), ("$version", version)]);
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

    /// <inheritdoc />
    /// <remarks>A pruned version's round is still known from the committed round that produced it.</remarks>
    public long? RoundOfVersion(string runId, long version)
    {
        lock (_readGate)
        {
            return ReadScalar(
                """
                SELECT COALESCE(
                    (SELECT round FROM model_versions WHERE run_id = $run AND version = $version),
                    (SELECT round FROM rounds WHERE run_id = $run AND result_version = $version AND state = $committed))
                """,
                ("$run", runId),
                ("$version", version),
                ("$committed", StoredNames.Of(RoundState.Committed))) is long round ? round : null;
        }
    }

    /// <inheritdoc />
    public IReadOnlyList<StoredVersion> ListVersions(string runId)
    {
        lock (_readGate)
        {
            // length() of a blob reads its size from the record header, not the blob itself.
            return ReadQuery(
                "SELECT version, round, created_ms, kept, length(parameters) AS bytes FROM model_versions WHERE run_id = $run ORDER BY version",
                r => new StoredVersion(r.GetInt64(0), r.GetInt64(1), Time(r.GetInt64(2)), r.GetInt64(3) != 0, r.GetInt64(4)),
                ("$run", runId));
        }
    }

    /// <inheritdoc />
    public bool SetVersionKept(string runId, long version, bool kept)
    {
        lock (_gate)
        {
            return Execute(
                "UPDATE model_versions SET kept = $kept WHERE run_id = $run AND version = $version",
                null,
                ("$run", runId),
                ("$version", version),
                ("$kept", kept ? 1L : 0L)) == 1;
        }
    }

    /// <inheritdoc />
    public int PruneVersions(string runId, int keepLast)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(keepLast, 1);
        lock (_gate)
        {
            return Execute(
                """
                DELETE FROM model_versions
                WHERE run_id = $run AND version <> 0 AND kept = 0
                  AND version NOT IN (SELECT version FROM model_versions WHERE run_id = $run ORDER BY version DESC LIMIT $keep)
                """,
                null,
                ("$run", runId),
                ("$keep", keepLast));
        }
    }

    /// <inheritdoc />
    public byte[]? LoadStrategyState(string runId, long version)
    {
        lock (_readGate)
        {
            return ReadScalar(
                "SELECT strategy_state FROM model_versions WHERE run_id = $run AND version = $version",
                ("$run", runId),
                ("$version", version)) as byte[];
        }
    }

    private void InsertVersion(SqliteTransaction transaction, string runId, long version, long round, DateTimeOffset at, byte[] blob, byte[]? strategyState = null) =>
        Execute(
            "INSERT INTO model_versions (run_id, version, round, created_ms, parameters, kept, strategy_state) VALUES ($run, $version, $round, $at, $blob, 0, $state)",
            transaction,
            ("$run", runId),
            ("$version", version),
            ("$round", round),
            ("$at", Milliseconds(at)),
            ("$blob", blob),
            ("$state", strategyState));
}
