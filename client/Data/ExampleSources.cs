namespace Federated.Client.Data;

/// <summary>Opens the right source for what a node is pointed at (<c>--data PATH [--schema S]</c>).</summary>
public static class ExampleSources
{
    /// <summary>
    /// A CSV/TSV file with its schema when <paramref name="schemaPath"/> is given; otherwise a
    /// MovieLens directory (100K or 1M, detected), or a MovieLens ratings file inside one.
    /// </summary>
    /// <param name="dataPath">A data file or directory.</param>
    /// <param name="schemaPath">The schema JSON of a CSV/TSV file, or null.</param>
    /// <returns>The source; nothing is read yet.</returns>
    /// <exception cref="DataFormatException">The path is neither a MovieLens layout nor given a schema.</exception>
    public static IExampleSource Open(string dataPath, string? schemaPath = null)
    {
        ArgumentNullException.ThrowIfNull(dataPath);
        if (schemaPath is not null)
        {
            if (!File.Exists(dataPath))
            {
                throw new DataFormatException($"{dataPath}: the data file does not exist");
            }

            return new CsvExampleSource(dataPath, CsvSchema.Load(schemaPath));
        }

        if (Directory.Exists(dataPath))
        {
            return new MovieLensSource(dataPath);
        }

        var name = Path.GetFileName(dataPath);
        if (name is "u.data" or "ratings.dat")
        {
            return new MovieLensSource(Path.GetDirectoryName(Path.GetFullPath(dataPath))!);
        }

        throw new DataFormatException($"{dataPath}: not a MovieLens directory; a CSV/TSV file needs a schema (--schema)");
    }
}
