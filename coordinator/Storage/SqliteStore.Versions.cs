using System.Runtime.InteropServices;
using Federated.Coordinator.Aggregation;
using Federated.Coordinator.Rounds;
using Microsoft.Data.Sqlite;

namespace Federated.Coordinator.Storage;

/// <summary>
/// Model versions (table <c>model_versions</c>) and their retention. A version is stored whole — an opaque blob of
/// float32 values in little-endian order, whose length is whatever was written (it may differ between versions of the
/// code) and is never assumed here — or, when its round changed little (a row-sparse round), as a delta over the
/// version before it (<see cref="VersionDeltaBlob"/>; column <c>delta_base</c>), rebuilt from the last whole version
/// before it. Beside them, column <c>strategy_state</c> holds the opaque state of a stateful strategy after the round
/// that produced the version (NULL for version 0 and for stateless strategies); it lives in the version's row so that
/// pruning deletes it with the version. Pruning frees pages for reuse by SQLite; the file itself does not shrink.
/// </summary>
/// <remarks>
/// A delta is written only when the version before it is stored with the same length, when the deltas since the last
/// whole version plus this one hold fewer bytes than a whole version, and when that chain stays below
/// <see cref="MaxDeltaChain"/> rows; else the version is written whole. So a commit writes about 2× the bytes its round
/// changed on average (the deltas, then a whole version once they add up to one), and a load reads at most twice a
/// whole version.
/// </remarks>
public sealed partial class SqliteStore
{
    /// <summary>Most deltas between two whole versions: a load reads at most this many rows besides the whole one.</summary>
    public const int MaxDeltaChain = 256;

    /// <inheritdoc />
    public float[]? LoadVersion(string runId, long version)
    {
        lock (_readGate)
        {
            if (ReadScalar("SELECT link_only FROM model_versions WHERE run_id = $run AND version = $version", ("$run", runId), ("$version", version)) is not long linkOnly || linkOnly != 0)
            {
                return null;
            }

            // The chain from the last whole version at or before this one; rows are contiguous by construction.
            using var command = ReadCommand(
                """
                SELECT version, delta_base, parameters FROM model_versions
                WHERE run_id = $run AND version <= $version
                  AND version >= COALESCE((SELECT MAX(version) FROM model_versions WHERE run_id = $run AND version <= $version AND delta_base IS NULL), 0)
                ORDER BY version
                """,
                null,
                [("$run", runId), ("$version", version)]);
            using var reader = command.ExecuteReader();
            float[]? values = null;
            var previous = -1L;
            while (reader.Read())
            {
                var row = reader.GetInt64(0);
                using var stream = reader.GetStream(2);
                if (values is null)
                {
                    if (!reader.IsDBNull(1))
                    {
                        throw new InvalidDataException($"run {runId}: version {version} is a delta with no whole version before it");
                    }

                    values = new float[stream.Length / sizeof(float)];
                    stream.ReadExactly(MemoryMarshal.AsBytes(values.AsSpan()));
                }
                else
                {
                    if (row != previous + 1 || reader.IsDBNull(1) || reader.GetInt64(1) != previous)
                    {
                        throw new InvalidDataException($"run {runId}: version {row} does not follow version {previous} in the chain of deltas of version {version}");
                    }

                    var blob = new byte[stream.Length];
                    stream.ReadExactly(blob);
                    VersionDeltaBlob.Apply(blob, values);
                }

                previous = row;
            }

            return previous == version ? values : throw new InvalidDataException($"run {runId}: the chain of version {version} ends at version {previous}");
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
            // length() of a blob reads its size from the record header, not the blob itself; a delta row knows its
            // version's size from value_count.
            return ReadQuery(
                "SELECT version, round, created_ms, kept, COALESCE(value_count * 4, length(parameters)) AS bytes FROM model_versions WHERE run_id = $run AND link_only = 0 ORDER BY version",
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
                "UPDATE model_versions SET kept = $kept WHERE run_id = $run AND version = $version AND link_only = 0",
                null,
                ("$run", runId),
                ("$version", version),
                ("$kept", kept ? 1L : 0L)) == 1;
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// A deleted version whose row a kept version's chain of deltas still needs becomes a link (not listed, not
    /// loadable); the row goes when no kept version needs it any more.
    /// </remarks>
    public int PruneVersions(string runId, int keepLast)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(keepLast, 1);
        lock (_gate)
        {
            using var transaction = _connection.BeginTransaction();
            var rows = new List<(long Version, bool Whole, bool Kept, bool Link)>();
            using (var command = Command("SELECT version, delta_base IS NULL, kept, link_only FROM model_versions WHERE run_id = $run ORDER BY version", transaction, [("$run", runId)]))
            using (var reader = command.ExecuteReader())
            {
                while (reader.Read())
                {
                    rows.Add((reader.GetInt64(0), reader.GetInt64(1) != 0, reader.GetInt64(2) != 0, reader.GetInt64(3) != 0));
                }
            }

            var visible = rows.Where(r => !r.Link).Select(r => r.Version).ToList();
            var retained = new HashSet<long>(visible.Skip(Math.Max(0, visible.Count - keepLast)));
            retained.UnionWith(rows.Where(r => !r.Link && (r.Version == 0 || r.Kept)).Select(r => r.Version));

            // Each retained version needs its row and the rows back to the last whole version.
            var needed = new HashSet<long>();
            for (var i = 0; i < rows.Count; i++)
            {
                if (!retained.Contains(rows[i].Version))
                {
                    continue;
                }

                for (var j = i; j >= 0 && needed.Add(rows[j].Version) && !rows[j].Whole && j > 0 && rows[j - 1].Version == rows[j].Version - 1; j--)
                {
                }
            }

            var deleted = 0;
            foreach (var row in rows)
            {
                if (!row.Link && !retained.Contains(row.Version))
                {
                    deleted++;
                }

                if (!needed.Contains(row.Version))
                {
                    Execute("DELETE FROM model_versions WHERE run_id = $run AND version = $version", transaction, ("$run", runId), ("$version", row.Version));
                }
                else if (!row.Link && !retained.Contains(row.Version))
                {
                    Execute("UPDATE model_versions SET link_only = 1, strategy_state = NULL WHERE run_id = $run AND version = $version", transaction, ("$run", runId), ("$version", row.Version));
                }
            }

            transaction.Commit();
            return deleted;
        }
    }

    /// <inheritdoc />
    public byte[]? LoadStrategyState(string runId, long version)
    {
        lock (_readGate)
        {
            return ReadScalar(
                "SELECT strategy_state FROM model_versions WHERE run_id = $run AND version = $version AND link_only = 0",
                ("$run", runId),
                ("$version", version)) as byte[];
        }
    }

    private void InsertVersion(SqliteTransaction transaction, string runId, long version, long round, DateTimeOffset at, byte[] blob, byte[]? strategyState = null, long? deltaBase = null, long? valueCount = null) =>
        Execute(
            """
            INSERT INTO model_versions (run_id, version, round, created_ms, parameters, kept, strategy_state, delta_base, value_count)
            VALUES ($run, $version, $round, $at, $blob, 0, $state, $base, $count)
            """,
            transaction,
            ("$run", runId),
            ("$version", version),
            ("$round", round),
            ("$at", Milliseconds(at)),
            ("$blob", blob),
            ("$state", strategyState),
            ("$base", deltaBase),
            ("$count", valueCount));

    /// <summary>
    /// Inserts a committed version, as a delta over the version before it when <paramref name="changes"/> allow (see the
    /// class remarks), else whole; the caller holds the write lock and its transaction.
    /// </summary>
    private void InsertCommittedVersion(SqliteTransaction transaction, string runId, long version, long round, DateTimeOffset at, ReadOnlySpan<float> parameters, ParameterChanges? changes, byte[]? strategyState)
    {
        if (changes is not null && !changes.IsAll && version > 0 && changes.TotalLength == parameters.Length && DeltaFits(transaction, runId, version, parameters.Length, VersionDeltaBlob.SizeOf(changes)))
        {
            InsertVersion(transaction, runId, version, round, at, VersionDeltaBlob.Encode(parameters, changes), strategyState, version - 1, parameters.Length);
            return;
        }

        InsertVersion(transaction, runId, version, round, at, MemoryMarshal.AsBytes(parameters).ToArray(), strategyState);
    }

    /// <summary>Whether version <paramref name="version"/> may be a delta of <paramref name="deltaBytes"/> over the version before it.</summary>
    private bool DeltaFits(SqliteTransaction transaction, string runId, long version, int length, long deltaBytes)
    {
        var wholeBytes = (long)length * sizeof(float);
        using var command = Command(
            """
            SELECT
                (SELECT COALESCE(value_count * 4, length(parameters)) FROM model_versions WHERE run_id = $run AND version = $base),
                COUNT(*), COALESCE(SUM(length(parameters)), 0)
            FROM model_versions
            WHERE run_id = $run AND version < $version
              AND version > (SELECT MAX(version) FROM model_versions WHERE run_id = $run AND version < $version AND delta_base IS NULL)
            """,
            transaction,
            [("$run", runId), ("$version", version), ("$base", version - 1)]);
        using var reader = command.ExecuteReader();
        if (!reader.Read() || reader.IsDBNull(0) || reader.GetInt64(0) != wholeBytes)
        {
            // No version before it, or one of another length (a file written before the shared projection): whole.
            return false;
        }

        var chain = reader.GetInt64(1);
        var chainBytes = reader.GetInt64(2);
        return chain < MaxDeltaChain && chainBytes + deltaBytes < wholeBytes;
    }
}
