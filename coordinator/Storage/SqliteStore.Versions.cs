using System.Runtime.InteropServices;
using Microsoft.Data.Sqlite;

namespace Federated.Coordinator.Storage;

/// <summary>
/// Model versions (table <c>model_versions</c>). A version's parameters are an opaque blob of float32 values in
/// little-endian order; its length is whatever was written (it may differ between versions of the code), and is never
/// assumed here.
/// </summary>
public sealed partial class SqliteStore
{
    /// <inheritdoc />
    public float[]? LoadVersion(string runId, long version)
    {
        lock (_gate)
        {
            using var command = Command(
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
    public long? RoundOfVersion(string runId, long version)
    {
        lock (_gate)
        {
            return Scalar(
                "SELECT round FROM model_versions WHERE run_id = $run AND version = $version",
                ("$run", runId),
                ("$version", version)) is long round ? round : null;
        }
    }

    private void InsertVersion(SqliteTransaction transaction, string runId, long version, long round, DateTimeOffset at, byte[] blob) =>
        Execute(
            "INSERT INTO model_versions (run_id, version, round, created_ms, parameters) VALUES ($run, $version, $round, $at, $blob)",
            transaction,
            ("$run", runId),
            ("$version", version),
            ("$round", round),
            ("$at", Milliseconds(at)),
            ("$blob", blob));
}
