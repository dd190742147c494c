namespace Federated.Client.Data;

/// <summary>
/// Tells whether a node's data changed on disk since it was last read: the length and last-write time (UTC) of the data
/// file, or of every file directly inside a data directory (a MovieLens directory), compared with those recorded by
/// <see cref="Mark"/>. Cheap enough to ask before every round (one <c>stat</c> per file, nothing read).
/// </summary>
/// <remarks>
/// Length and time rather than a content hash: hashing would read the whole file every round, and an append, the case
/// this serves, always changes the length. A rewrite that keeps both length and time is not seen.
/// </remarks>
public sealed class DataFileWatch
{
    private readonly string _path;
    private IReadOnlyList<(string File, long Length, DateTime Written)> _marked = [];

    /// <summary>Watches <paramref name="path"/>, a data file or directory; nothing is marked yet, so <see cref="Changed"/> is true until <see cref="Mark"/>.</summary>
    /// <param name="path">The node's data path (<c>--data</c>).</param>
    public DataFileWatch(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        _path = path;
    }

    /// <summary>Records the files' current state; call it just before reading them, so a write during the read is seen next time.</summary>
    public void Mark() => _marked = Stamp();

    /// <summary>Whether a file was added, removed, or changed its length or last-write time since <see cref="Mark"/>.</summary>
    public bool Changed() => !Stamp().SequenceEqual(_marked);

    private List<(string File, long Length, DateTime Written)> Stamp()
    {
        var files = Directory.Exists(_path)
            ? Directory.GetFiles(_path).Order(StringComparer.Ordinal).Select(f => new FileInfo(f))
            : [new FileInfo(_path)];
        return [.. files.Select(f => f.Exists ? (f.FullName, f.Length, f.LastWriteTimeUtc) : (f.FullName, -1L, DateTime.MinValue))];
    }
}
