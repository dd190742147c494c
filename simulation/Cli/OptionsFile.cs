using System.Text.Json;
using System.Text.Json.Serialization;

namespace Federated.Simulation.Cli;

/// <summary>
/// A reusable options file (<c>--options FILE</c>, written by <c>simulation tune --out</c>): settings that the
/// <c>movielens</c> and default commands take from it unless the same flag is on the command line. Every key is
/// optional; an unknown key is an error, so that a typo is not silently ignored.
/// </summary>
public sealed record OptionsFile
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = true,
    };

    /// <summary>Federated rounds (<c>--rounds</c>).</summary>
    public int? Rounds { get; init; }

    /// <summary>Local epochs per round (<c>--local-epochs</c>).</summary>
    public int? LocalEpochs { get; init; }

    /// <summary>Examples per step (<c>--batch-size</c>).</summary>
    public int? BatchSize { get; init; }

    /// <summary>Local learning rate (<c>--learning-rate</c>).</summary>
    public float? LearningRate { get; init; }

    /// <summary>L2 coefficient of the model (<c>--l2</c>).</summary>
    public float? L2 { get; init; }

    /// <summary>Embedding dimension of the built-in MovieLens model's main fields (<c>--dim</c>).</summary>
    public int? Dim { get; init; }

    /// <summary>Trunk widths of the built-in MovieLens model (no flag; only from a file).</summary>
    public IReadOnlyList<int>? Hidden { get; init; }

    /// <summary>Validation share of each client's training rows (<c>--validation-fraction</c>).</summary>
    public double? ValidationFraction { get; init; }

    /// <summary>Early-stopping patience in rounds (<c>--patience</c>).</summary>
    public int? Patience { get; init; }

    /// <summary>Reads a file.</summary>
    /// <exception cref="ArgumentException">Unreadable, not JSON, an unknown key or a wrong type: one line naming the file.</exception>
    public static OptionsFile Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        try
        {
            return JsonSerializer.Deserialize<OptionsFile>(File.ReadAllText(path), Json) ?? throw new ArgumentException($"--options {path}: the file holds null, not an object");
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"--options {path}: {e.Message.Split('\n')[0].Trim()}");
        }
    }

    /// <summary>Writes the file (indented JSON, keys in camelCase, unset keys left out).</summary>
    public void Save(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        File.WriteAllText(path, ToJson());
    }

    /// <summary>The file's text.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Reads the text of a file.</summary>
    /// <exception cref="JsonException">Not JSON of this shape.</exception>
    public static OptionsFile FromJson(string json) => JsonSerializer.Deserialize<OptionsFile>(json, Json) ?? new OptionsFile();
}
