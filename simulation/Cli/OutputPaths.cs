using Federated.Client.Training;

namespace Federated.Simulation.Cli;

/// <summary>
/// Checks, before anything trains, that the report folder and the files a command will write can be written: a run of
/// minutes must not end with a stack trace and nothing saved because <c>--out</c> named a place it cannot write.
/// </summary>
internal static class OutputPaths
{
    /// <summary>Creates <paramref name="folder"/> if needed and writes (then deletes) a probe file in it.</summary>
    /// <param name="folder">The report folder.</param>
    /// <param name="option">The option that named it, for the message (e.g. <c>--out</c>).</param>
    /// <exception cref="ArgumentException">It cannot be created or written, naming the option and the reason.</exception>
    public static void CheckFolder(string folder, string option) => Check(folder, $"{option} {folder}");

    /// <summary>Checks that <paramref name="file"/> can be written: not a directory, and its folder writable; null does nothing.</summary>
    /// <exception cref="ArgumentException">It cannot, naming the option, the file and the reason.</exception>
    public static void CheckFile(string? file, string option)
    {
        if (file is null)
        {
            return;
        }

        if (Directory.Exists(file))
        {
            throw new ArgumentException($"{option} {file}: is a directory, not a file");
        }

        var folder = Path.GetDirectoryName(Path.GetFullPath(file));
        Check(string.IsNullOrEmpty(folder) ? "." : folder, $"{option} {file}");
    }

    private static void Check(string folder, string named)
    {
        if (WritableDirectory.Problem(folder) is { } problem)
        {
            throw new ArgumentException($"{named}: cannot write in {folder}: {problem}");
        }
    }
}
