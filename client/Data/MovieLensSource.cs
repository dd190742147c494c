using System.Globalization;
using System.Text;

namespace Federated.Client.Data;

/// <summary>
/// Streams the ratings of a MovieLens 100K or 1M directory as examples with the fields
/// <c>item</c>, <c>user</c>, <c>genres</c> (multi-valued), <c>age</c> (bucket), <c>gender</c>,
/// <c>occupation</c>, the tasks <c>rating</c> (1–5) and <c>like</c> (rating ≥ 4), and the timestamp as time.
/// </summary>
/// <remarks>
/// The item and user files are small and read whole on the first <see cref="Read"/>; the ratings
/// file is streamed. A rating of an unknown user or item, or a malformed line in any file, is a bad
/// row. The 100K ages are mapped to the 1M age groups (1, 18, 25, 35, 45, 50, 56), so both layouts
/// produce the same tokens. Files are read as Latin-1, their published encoding.
/// </remarks>
public sealed class MovieLensSource : IExampleSource
{
    /// <summary>Field names, in example order.</summary>
    public static readonly IReadOnlyList<string> FieldNames = ["item", "user", "genres", "age", "gender", "occupation"];

    /// <summary>Task names, in example order.</summary>
    public static readonly IReadOnlyList<string> TaskNames = ["rating", "like"];

    private static readonly string[] Ml100KGenres =
    [
        "unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary", "Drama", "Fantasy",
        "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller", "War", "Western",
    ];

    private readonly string _directory;
    private readonly string? _ratingsFile;

    /// <summary>Creates the source; nothing is read until <see cref="Read"/>.</summary>
    /// <param name="directory">The directory holding the files.</param>
    /// <param name="layout">The layout; detected from the file names when null.</param>
    /// <exception cref="DataFormatException">The layout cannot be detected.</exception>
    public MovieLensSource(string directory, MovieLensLayout? layout = null)
    {
        ArgumentNullException.ThrowIfNull(directory);
        _directory = directory;
        Layout = layout ?? Detect(directory);
        Schema = new ExampleSchema(FieldNames, [], TaskNames, "user", "item", ["genres"], HasTime: true);
    }

    /// <summary>The layout read.</summary>
    public MovieLensLayout Layout { get; }

    /// <summary>
    /// The ratings file read, relative to the directory: by default <c>u.data</c> (100K) or <c>ratings.dat</c> (1M);
    /// set it to read another file of the same format, e.g. the official 100K folds <c>u1.base</c> … <c>u5.test</c>.
    /// </summary>
    public string RatingsFile
    {
        get => _ratingsFile ?? (Layout == MovieLensLayout.Ml100K ? "u.data" : "ratings.dat");
        init => _ratingsFile = value;
    }

    /// <inheritdoc/>
    public string Name => RatingsFile;

    /// <inheritdoc/>
    public ExampleSchema Schema { get; }

    /// <inheritdoc/>
    public DataQualityReport Report { get; } = new();

    /// <summary>Detects the layout of a directory.</summary>
    /// <param name="directory">The directory.</param>
    /// <returns>The layout.</returns>
    /// <exception cref="DataFormatException">Neither <c>u.data</c> nor <c>ratings.dat</c> is there.</exception>
    public static MovieLensLayout Detect(string directory)
    {
        if (File.Exists(Path.Combine(directory, "u.data")))
        {
            return MovieLensLayout.Ml100K;
        }

        if (File.Exists(Path.Combine(directory, "ratings.dat")))
        {
            return MovieLensLayout.Ml1M;
        }

        throw new DataFormatException($"{directory}: neither u.data (MovieLens 100K) nor ratings.dat (MovieLens 1M) is there");
    }

    /// <summary>Maps an age in years to the MovieLens 1M age group.</summary>
    /// <param name="years">The age.</param>
    /// <returns>1, 18, 25, 35, 45, 50 or 56.</returns>
    public static int AgeGroup(int years) => years switch
    {
        < 18 => 1,
        < 25 => 18,
        < 35 => 25,
        < 45 => 35,
        < 50 => 45,
        < 56 => 50,
        _ => 56,
    };

    /// <inheritdoc/>
    public IEnumerable<Example> Read()
    {
        Report.Reset();
        var is100K = Layout == MovieLensLayout.Ml100K;
        var items = is100K ? ReadItems100K() : ReadItems1M();
        var users = is100K ? ReadUsers100K() : ReadUsers1M();
        var ratingsFile = RatingsFile;
        var separator = is100K ? "\t" : "::";
        long lineNumber = 0;
        foreach (var line in Lines(ratingsFile))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            var cells = line.Split(separator);
            if (cells.Length != 4)
            {
                Report.RecordBad(new BadRow(ratingsFile, lineNumber, $"expected 4 cells (user, item, rating, timestamp) separated by '{Escape(separator)}', found {cells.Length}"));
                continue;
            }

            var user = cells[0].Trim();
            var item = cells[1].Trim();
            if (!double.TryParse(cells[2], NumberStyles.Float, CultureInfo.InvariantCulture, out var rating) || !double.IsFinite(rating))
            {
                Report.RecordBad(new BadRow(ratingsFile, lineNumber, $"rating '{cells[2]}' is not a number"));
                continue;
            }

            if (!double.TryParse(cells[3], NumberStyles.Float, CultureInfo.InvariantCulture, out var time) || !double.IsFinite(time))
            {
                Report.RecordBad(new BadRow(ratingsFile, lineNumber, $"timestamp '{cells[3]}' is not a number"));
                continue;
            }

            if (!items.TryGetValue(item, out var genres))
            {
                Report.RecordBad(new BadRow(ratingsFile, lineNumber, $"item '{item}' is not in the item file"));
                continue;
            }

            if (!users.TryGetValue(user, out var demographics))
            {
                Report.RecordBad(new BadRow(ratingsFile, lineNumber, $"user '{user}' is not in the user file"));
                continue;
            }

            Report.RecordGood();
            string[][] tokens = [[item], [user], genres, [demographics.Age], [demographics.Gender], [demographics.Occupation]];
            yield return new Example(lineNumber, tokens, [], [(float)rating, rating >= 4 ? 1f : 0f], time);
        }
    }

    private Dictionary<string, string[]> ReadItems100K()
    {
        var items = new Dictionary<string, string[]>(StringComparer.Ordinal);
        long lineNumber = 0;
        foreach (var line in Lines("u.item"))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            var cells = line.Split('|');
            if (cells.Length != 5 + Ml100KGenres.Length)
            {
                Report.RecordBad(new BadRow("u.item", lineNumber, $"expected {5 + Ml100KGenres.Length} cells (id, title, release date, video release date, url, 19 genre flags), found {cells.Length}"));
                continue;
            }

            var genres = new List<string>();
            for (var g = 0; g < Ml100KGenres.Length; g++)
            {
                if (cells[5 + g].Trim() == "1")
                {
                    genres.Add(Ml100KGenres[g]);
                }
            }

            items[cells[0].Trim()] = [.. genres];
        }

        return items;
    }

    private Dictionary<string, string[]> ReadItems1M()
    {
        var items = new Dictionary<string, string[]>(StringComparer.Ordinal);
        long lineNumber = 0;
        foreach (var line in Lines("movies.dat"))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            var cells = line.Split("::");
            if (cells.Length != 3)
            {
                Report.RecordBad(new BadRow("movies.dat", lineNumber, $"expected 3 cells (id, title, genres) separated by '::', found {cells.Length}"));
                continue;
            }

            items[cells[0].Trim()] = cells[2].Split('|', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        }

        return items;
    }

    private Dictionary<string, Demographics> ReadUsers100K()
    {
        var users = new Dictionary<string, Demographics>(StringComparer.Ordinal);
        long lineNumber = 0;
        foreach (var line in Lines("u.user"))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            var cells = line.Split('|');
            if (cells.Length != 5)
            {
                Report.RecordBad(new BadRow("u.user", lineNumber, $"expected 5 cells (id, age, gender, occupation, zip), found {cells.Length}"));
                continue;
            }

            if (!int.TryParse(cells[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var age))
            {
                Report.RecordBad(new BadRow("u.user", lineNumber, $"age '{cells[1]}' is not an integer"));
                continue;
            }

            users[cells[0].Trim()] = new Demographics(AgeGroup(age).ToString(CultureInfo.InvariantCulture), cells[2].Trim(), cells[3].Trim());
        }

        return users;
    }

    private Dictionary<string, Demographics> ReadUsers1M()
    {
        var users = new Dictionary<string, Demographics>(StringComparer.Ordinal);
        long lineNumber = 0;
        foreach (var line in Lines("users.dat"))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            var cells = line.Split("::");
            if (cells.Length != 5)
            {
                Report.RecordBad(new BadRow("users.dat", lineNumber, $"expected 5 cells (id, gender, age, occupation, zip) separated by '::', found {cells.Length}"));
                continue;
            }

            users[cells[0].Trim()] = new Demographics(cells[2].Trim(), cells[1].Trim(), cells[3].Trim());
        }

        return users;
    }

    private IEnumerable<string> Lines(string name)
    {
        var path = Path.Combine(_directory, name);
        if (!File.Exists(path))
        {
            throw new DataFormatException($"{_directory}: the MovieLens {(Layout == MovieLensLayout.Ml100K ? "100K" : "1M")} file '{name}' is missing", name);
        }

        return File.ReadLines(path, Encoding.Latin1);
    }

    private static string Escape(string separator) => separator == "\t" ? "\\t" : separator;

    private sealed record Demographics(string Age, string Gender, string Occupation);
}
