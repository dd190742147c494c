using Federated.Coordinator.Rounds;
using Microsoft.Data.Sqlite;

namespace Federated.Coordinator.Storage;

/// <summary>
/// The coordinator's state in one SQLite database (WAL mode): runs and their configs, nodes with token hashes, rounds,
/// accepted uploads, model versions (float32 little-endian blobs of any length) with their retention marks, and
/// per-round per-task metrics. <c>:memory:</c> works for simulations.
/// </summary>
/// <remarks>
/// <para>
/// The schema is versioned (<c>PRAGMA user_version</c>); opening a file brings it to the version this code writes
/// through <see cref="SchemaMigrations"/>, in one transaction, and refuses a file from a newer coordinator with a
/// <see cref="SchemaVersionException"/>. Enums are stored under the names of <see cref="StoredNames"/>.
/// </para>
/// <para>
/// Thread safety: every public method may be called from any thread at any time. Writes go through one connection
/// under the store's lock for their whole duration (a method that writes several rows does so in one transaction),
/// so they are serialised and each is atomic; on a file database, reads go through a second, read-only connection
/// under their own lock and see the last committed state without waiting for a write in progress. The round engine relies on this: it calls the
/// store from outside its own locks, concurrently for different runs. The methods are split by job over partial
/// files: runs and rounds, model versions, metrics, nodes.
/// </para>
/// </remarks>
public sealed partial class SqliteStore : IRoundStore, IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly Lock _gate = new();

    // Reads go through their own connection and lock on a file database: in WAL mode a reader sees the last committed
    // state while a writer is busy, so a poll's node lookup does not wait for another run's model being written.
    // An in-memory database is private to its connection, so there reads share the writer's.
    private readonly SqliteConnection _reader;
    private readonly Lock _readGate;

    /// <summary>
    /// Opens (creating if needed, directory included) the database at <paramref name="path"/>, or a private in-memory one
    /// for <c>:memory:</c>, and migrates its schema to <see cref="SchemaMigrations.LatestVersion"/>.
    /// </summary>
    /// <exception cref="SchemaVersionException">The file was written by a coordinator with a newer schema.</exception>
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
        try
        {
            _connection.Open();
            Execute("PRAGMA busy_timeout=5000;", null);
            MigrationsApplied = SchemaMigrations.Apply(_connection, path);

            // The journal mode cannot change inside a transaction, so it is set after the migration.
            Execute("PRAGMA journal_mode=WAL;", null);
            Execute("PRAGMA synchronous=NORMAL;", null);
            if (path == ":memory:")
            {
                _reader = _connection;
                _readGate = _gate;
            }
            else
            {
                _reader = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
                _reader.Open();
                _readGate = new Lock();
                using var timeout = _reader.CreateCommand();
                timeout.CommandText = "PRAGMA busy_timeout=5000;";
                timeout.ExecuteNonQuery();
            }
        }
        catch
        {
            _connection.Dispose();
            throw;
        }
    }

    /// <summary>The writers' lock, for tests that hold it to show that reads do not wait for it.</summary>
    internal Lock WriteGate => _gate;

    /// <summary>The database path.</summary>
    public string DatabasePath { get; }

    /// <summary>How many schema steps ran when this store opened the file (0 when it was already current).</summary>
    internal int MigrationsApplied { get; }

    /// <summary>Runs a cheap read (one schema row) so a health check sees a closed or broken database.</summary>
    /// <exception cref="InvalidOperationException">The store was disposed.</exception>
    /// <exception cref="SqliteException">The database cannot be read.</exception>
    public void Probe()
    {
        lock (_gate)
        {
            Scalar("SELECT 1 FROM sqlite_master LIMIT 1");
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_readGate)
        {
            if (!ReferenceEquals(_reader, _connection))
            {
                _reader.Dispose();
            }
        }

        lock (_gate)
        {
            _connection.Dispose();
        }
    }

    private static long Milliseconds(DateTimeOffset at) => at.ToUnixTimeMilliseconds();

    private static DateTimeOffset Time(long milliseconds) => DateTimeOffset.FromUnixTimeMilliseconds(milliseconds);

    /// <summary>Runs a statement (the caller holds the lock); returns the number of rows it changed.</summary>
    private int Execute(string sql, SqliteTransaction? transaction, params ReadOnlySpan<(string Name, object? Value)> parameters)
    {
        using var command = Command(sql, transaction, parameters);
        return command.ExecuteNonQuery();
    }

    /// <summary>The first column of the first row, <see cref="DBNull"/> for SQL NULL, or null without rows (the caller holds the lock).</summary>
    private object? Scalar(string sql, params ReadOnlySpan<(string Name, object? Value)> parameters)
    {
        using var command = Command(sql, null, parameters);
        return command.ExecuteScalar();
    }

    /// <summary>Every row of a query, read by <paramref name="read"/> (the caller holds the lock).</summary>
    private List<T> Query<T>(string sql, Func<SqliteDataReader, T> read, params ReadOnlySpan<(string Name, object? Value)> parameters)
    {
        using var command = Command(sql, null, parameters);
        using var reader = command.ExecuteReader();
        var rows = new List<T>();
        while (reader.Read())
        {
            rows.Add(read(reader));
        }

        return rows;
    }

    /// <summary>The first column of the first row of a read, through the read connection (the caller holds the read lock).</summary>
    private object? ReadScalar(string sql, params ReadOnlySpan<(string Name, object? Value)> parameters)
    {
        using var command = ReadCommand(sql, null, parameters);
        return command.ExecuteScalar();
    }

    /// <summary>Every row of a read, through the read connection (the caller holds the read lock).</summary>
    private List<T> ReadQuery<T>(string sql, Func<SqliteDataReader, T> read, params ReadOnlySpan<(string Name, object? Value)> parameters)
    {
        using var command = ReadCommand(sql, null, parameters);
        using var reader = command.ExecuteReader();
        var rows = new List<T>();
        while (reader.Read())
        {
            rows.Add(read(reader));
        }

        return rows;
    }

    private SqliteCommand ReadCommand(string sql, SqliteTransaction? transaction, ReadOnlySpan<(string Name, object? Value)> parameters) =>
        Command(_reader, sql, transaction, parameters);

    private SqliteCommand Command(string sql, SqliteTransaction? transaction, ReadOnlySpan<(string Name, object? Value)> parameters) =>
        Command(_connection, sql, transaction, parameters);

    private static SqliteCommand Command(SqliteConnection connection, string sql, SqliteTransaction? transaction, ReadOnlySpan<(string Name, object? Value)> parameters)
    {
        var command = connection.CreateCommand();
#pragma warning disable CA2100 // Every statement is a constant of this class; values go through parameters.
        command.CommandText = sql;
#pragma warning restore CA2100
        command.Transaction = transaction;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command;
    }
}
