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
    /// <returns>The source; of a CSV/TSV file only the header line is read yet, to check the schema's columns.</returns>
    /// <exception cref="DataFormatException">A file does not exist, the path is neither a MovieLens layout nor given a schema, or a schema column is not in the file.</exception>
    public static IExampleSource Open(string dataPath, string? schemaPath = null)
    {
        ArgumentNullException.ThrowIfNull(dataPath);
        if (schemaPath is not null)
        {
            if (!File.Exists(dataPath))
            {
                throw new DataFormatException(Directory.Exists(dataPath) ? $"{dataPath}: a directory, but with --schema the data must be a CSV/TSV file" : $"{dataPath}: the data file does not exist (--data)");
            }

            if (!File.Exists(schemaPath))
            {
                throw new DataFormatException($"{schemaPath}: the schema file does not exist (--schema)");
            }

            var source = new CsvExampleSource(dataPath, CsvSchema.Load(schemaPath));
            source.CheckColumns();
            return source;
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

        if (!File.Exists(dataPath))
        {
            throw new DataFormatException($"{dataPath}: no such file or directory (--data)");
        }

        throw new DataFormatException($"{dataPath}: not a MovieLens directory; a CSV/TSV file needs a schema (--schema)");
    }
}
