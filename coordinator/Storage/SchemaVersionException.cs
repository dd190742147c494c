namespace Federated.Coordinator.Storage;

/// <summary>
/// A database file's schema version (its <c>PRAGMA user_version</c>) is one this coordinator does not know: written by
/// a newer coordinator, or not ours. The file is left as it was.
/// </summary>
public sealed class SchemaVersionException : Exception
{
    /// <summary>Creates the exception for the file at <paramref name="path"/>, whose schema is <paramref name="fileVersion"/>.</summary>
    public SchemaVersionException(string path, int fileVersion, int latestKnownVersion)
        : base($"the database '{path}' has schema version {fileVersion}, but this coordinator knows versions 0 to {latestKnownVersion}; "
            + "open it with the coordinator that wrote it (or a newer one), or configure another database file")
    {
        Path = path;
        FileVersion = fileVersion;
        LatestKnownVersion = latestKnownVersion;
    }

    /// <summary>The database path.</summary>
    public string Path { get; }

    /// <summary>The schema version the file declares.</summary>
    public int FileVersion { get; }

    /// <summary>The newest schema version this coordinator knows (<see cref="SchemaMigrations.LatestVersion"/>).</summary>
    public int LatestKnownVersion { get; }
}
