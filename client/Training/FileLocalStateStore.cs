using Federated.Model.Parameters;
using Federated.Model.Training;

namespace Federated.Client.Training;

/// <summary>
/// A real node's local state: every local tensor in full, in one file written atomically (format of
/// <see cref="LocalStateStore"/>, with its header and layout fingerprint check).
/// </summary>
public sealed class FileLocalStateStore : ILocalStateStore
{
    /// <summary>A store over the file at <paramref name="path"/> (which need not exist yet).</summary>
    /// <param name="path">The state file.</param>
    public FileLocalStateStore(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Path = path;
    }

    /// <summary>The state file.</summary>
    public string Path { get; }

    /// <summary>True once the file exists: it holds every local tensor in full.</summary>
    public bool RestoresCompleteState => File.Exists(Path);

    /// <inheritdoc/>
    public LocalStateHeader? TryLoad(ParameterSet parameters) => LocalStateStore.TryLoad(Path, parameters);

    /// <inheritdoc/>
    /// <remarks>Writes every local tensor in full; <paramref name="touchedRows"/> is not needed.</remarks>
    public void Save(ParameterSet parameters, long modelVersion, long round, IReadOnlyDictionary<string, RowSet>? touchedRows = null)
    {
        LocalStateStore.Save(Path, parameters, modelVersion, round);
        Revision++;
    }

    /// <inheritdoc/>
    public long Revision { get; private set; }
}
