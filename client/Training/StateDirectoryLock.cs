namespace Federated.Client.Training;

/// <summary>
/// One node process per state directory: a lock file (<see cref="FileName"/>) held open without sharing while the node
/// runs or writes a fine-tuned state into it. A second process on the same directory would interleave its local state
/// and global model with the first's and silently mix two nodes' training, so it is refused instead.
/// </summary>
/// <remarks>
/// .NET enforces <see cref="FileShare.None"/> between processes on every platform (on Unix with an advisory
/// <c>flock</c>), so the lock is released when the process ends, however it ends; the file itself is left behind.
/// </remarks>
public sealed class StateDirectoryLock : IDisposable
{
    /// <summary>The lock file's name inside the state directory.</summary>
    public const string FileName = ".node.lock";

    private readonly FileStream _stream;

    private StateDirectoryLock(FileStream stream) => _stream = stream;

    /// <summary>Takes the lock of <paramref name="directory"/> (created if missing).</summary>
    /// <param name="directory">The state directory.</param>
    /// <param name="option">The option that named it, for the message (e.g. <c>--state</c>).</param>
    /// <exception cref="LocalStateException">Another process holds it, or the lock file cannot be created.</exception>
    public static StateDirectoryLock Acquire(string directory, string option)
    {
        ArgumentNullException.ThrowIfNull(directory);
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, FileName);
        try
        {
            return new StateDirectoryLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
        }
        catch (IOException e)
        {
            throw new LocalStateException(
                $"{option} {Path.GetFullPath(directory)} is in use by another node process (its lock {FileName} is held): one node per state directory; stop the other or give this one its own directory",
                e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new LocalStateException($"{option} {Path.GetFullPath(directory)}: its lock file {FileName} cannot be created ({e.Message})", e);
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _stream.Dispose();
}
