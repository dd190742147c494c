using Microsoft.Data.Sqlite;

namespace Federated.Coordinator.Tests.Storage;

/// <summary>A database file path in a fresh temp directory, deleted (with its WAL files) on dispose.</summary>
internal sealed class TempDatabase : IDisposable
{
    private readonly string _directory = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "federated-tests", Guid.NewGuid().ToString("N"));

    public TempDatabase()
    {
        Directory.CreateDirectory(_directory);
        Path = System.IO.Path.Combine(_directory, "coordinator.db");
    }

    /// <summary>The database file (not created until something opens it).</summary>
    public string Path { get; }

    /// <summary>A raw connection to the file, outside the store, for arranging and inspecting.</summary>
    public SqliteConnection OpenRaw()
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path, Pooling = false }.ToString());
        connection.Open();
        return connection;
    }

    /// <summary>Runs raw SQL on the file with optional parameters; returns the first column of the first row.</summary>
    public object? Raw(string sql, params (string Name, object Value)[] parameters)
    {
        using var connection = OpenRaw();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return command.ExecuteScalar();
    }

    /// <summary>The file's <c>PRAGMA user_version</c>.</summary>
    public long UserVersion() => (long)Raw("PRAGMA user_version")!;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}
