namespace Federated.Client.Training;

/// <summary>
/// Whether a node can keep files in a directory, checked before work that would end by writing there (a run's state, a
/// fine-tuned state): create it if needed, then write and delete a probe file.
/// </summary>
public static class WritableDirectory
{
    /// <summary>What stops the node from writing in <paramref name="directory"/>, or null when it can.</summary>
    /// <param name="directory">The directory; created when missing.</param>
    public static string? Problem(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        try
        {
            Directory.CreateDirectory(directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            return $"the directory cannot be created ({e.Message})";
        }

        var probe = Path.Combine(directory, $".write-check-{Environment.ProcessId}");
        try
        {
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"the directory is not writable ({e.Message})";
        }
    }
}
