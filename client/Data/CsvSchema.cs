using System.Text.Json;
using System.Text.Json.Serialization;

namespace Federated.Client.Data;

/// <summary>
/// Describes a CSV/TSV file: its separator, its columns, and which column feeds which model field,
/// numeric feature or task label. The JSON format is described in the README ("Pointing a node at its data").
/// </summary>
public sealed record CsvSchema
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    /// <summary>The separator between cells; <c>\t</c> for TSV. Default <c>,</c>.</summary>
    public string Separator { get; init; } = ",";

    /// <summary>Whether the first line names the columns. Default true.</summary>
    public bool Header { get; init; } = true;

    /// <summary>Whether cells may be double-quoted (RFC 4180). Default true.</summary>
    public bool Quoted { get; init; } = true;

    /// <summary>The column names in order; required when <see cref="Header"/> is false, else checked against the header when given.</summary>
    public IReadOnlyList<string>? Columns { get; init; }

    /// <summary>Categorical fields.</summary>
    public IReadOnlyList<CsvFieldColumn> Fields { get; init; } = [];

    /// <summary>Numeric features.</summary>
    public IReadOnlyList<CsvNumericColumn> Numeric { get; init; } = [];

    /// <summary>Task labels.</summary>
    public IReadOnlyList<CsvLabelColumn> Labels { get; init; } = [];

    /// <summary>A numeric column used as time for a split by time (e.g. a Unix timestamp).</summary>
    public string? Time { get; init; }

    /// <summary>The field identifying the user (for recommendations).</summary>
    public string? UserField { get; init; }

    /// <summary>The field identifying the item (for recommendations).</summary>
    public string? ItemField { get; init; }

    /// <summary>Further fields that describe the item (e.g. genres), for recommendations.</summary>
    public IReadOnlyList<string> ItemFeatureFields { get; init; } = [];

    /// <summary>Parses a schema.</summary>
    /// <param name="json">The JSON text.</param>
    /// <returns>The schema, validated.</returns>
    /// <exception cref="DataFormatException">The JSON is malformed or incomplete.</exception>
    public static CsvSchema FromJson(string json)
    {
        CsvSchema? schema;
        try
        {
            schema = JsonSerializer.Deserialize<CsvSchema>(json, JsonOptions);
        }
        catch (JsonException e)
        {
            throw new DataFormatException($"schema: {e.Path ?? "$"}: {e.Message}", e.Path);
        }

        if (schema is null)
        {
            throw new DataFormatException("schema: the schema is empty (null)");
        }

        schema.Validate();
        return schema;
    }

    /// <summary>Reads a schema file.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The schema.</returns>
    public static CsvSchema Load(string path) => FromJson(File.ReadAllText(path));

    /// <summary>Checks the schema for completeness.</summary>
    /// <exception cref="DataFormatException">A required key is missing or invalid.</exception>
    public void Validate()
    {
        if (string.IsNullOrEmpty(Separator))
        {
            throw new DataFormatException("schema: separator: must not be empty", "separator");
        }

        if (!Header && (Columns is null || Columns.Count == 0))
        {
            throw new DataFormatException("schema: columns: a file without a header line needs the list of its columns", "columns");
        }

        if (Fields.All(f => f.IsPartitionKey))
        {
            throw new DataFormatException("schema: fields: at least one categorical field that is a model input is required", "fields");
        }

        for (var i = 0; i < Fields.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(Fields[i].Name))
            {
                throw new DataFormatException($"schema: fields[{i}].name: a name is required", $"fields[{i}].name");
            }

            if (Fields[i].Dim is < 1)
            {
                throw new DataFormatException($"schema: fields[{i}].dim: must be ≥ 1, not {Fields[i].Dim}", $"fields[{i}].dim");
            }

            if (Fields[i].Buckets is < 1)
            {
                throw new DataFormatException($"schema: fields[{i}].buckets: must be ≥ 1, not {Fields[i].Buckets}", $"fields[{i}].buckets");
            }

            if (Fields[i].Role is { } role && role != "input" && !Fields[i].IsPartitionKey)
            {
                throw new DataFormatException($"schema: fields[{i}].role: '{role}' is not known; expected input or {CsvFieldColumn.PartitionRole}", $"fields[{i}].role");
            }
        }

        for (var i = 0; i < Numeric.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(Numeric[i].Name))
            {
                throw new DataFormatException($"schema: numeric[{i}].name: a name is required", $"numeric[{i}].name");
            }

            if (Numeric[i].Clip is { } clip && (clip.Count != 2 || !double.IsFinite(clip[0]) || !double.IsFinite(clip[1]) || clip[0] > clip[1]))
            {
                throw new DataFormatException($"schema: numeric[{i}].clip: expected [lo, hi] with finite lo ≤ hi", $"numeric[{i}].clip");
            }
        }

        for (var i = 0; i < Labels.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(Labels[i].Task))
            {
                throw new DataFormatException($"schema: labels[{i}].task: a task name is required", $"labels[{i}].task");
            }

            if (Labels[i].Column is not null && Labels[i].Derive is not null)
            {
                throw new DataFormatException($"schema: labels[{i}]: give either 'column' or 'derive', not both", $"labels[{i}]");
            }

            if (Labels[i].Derive is { } derive)
            {
                LabelExpression.Parse(derive, $"labels[{i}].derive");
            }
        }

        // A repeated name would otherwise surface later as the derived model's error, whose indices are not the schema's.
        RequireUnique(Fields.Select(f => f.Name), "fields", "name");
        RequireUnique(Numeric.Select(n => n.Name), "numeric", "name");
        RequireUnique(Labels.Select(l => l.Task), "labels", "task");

        // A misspelt user field would silently make the user embeddings shared (the derived model keeps only the user
        // field local) and leave per-user partitions and recommendations without users.
        var inputs = Fields.Where(f => !f.IsPartitionKey).Select(f => f.Name).ToList();
        RequireInput(UserField, "userField", inputs);
        RequireInput(ItemField, "itemField", inputs);
        for (var i = 0; i < ItemFeatureFields.Count; i++)
        {
            RequireInput(ItemFeatureFields[i], $"itemFeatureFields[{i}]", inputs);
        }
    }

    private static void RequireInput(string? name, string key, List<string> inputs)
    {
        if (name is not null && !inputs.Contains(name, StringComparer.Ordinal))
        {
            throw new DataFormatException($"schema: {key}: '{name}' is not a field that is a model input (its fields: {string.Join(", ", inputs)})", key);
        }
    }

    private static void RequireUnique(IEnumerable<string> names, string list, string key)
    {
        var first = new Dictionary<string, int>(StringComparer.Ordinal);
        var i = 0;
        foreach (var name in names)
        {
            if (!first.TryAdd(name, i))
            {
                throw new DataFormatException($"schema: {list}[{i}].{key}: '{name}' is already {list}[{first[name]}].{key}", $"{list}[{i}].{key}");
            }

            i++;
        }
    }

    /// <summary>The schema of the examples this file yields.</summary>
    /// <returns>The example schema.</returns>
    public ExampleSchema ToExampleSchema() => new(
        [.. Fields.Select(f => f.Name)],
        [.. Numeric.Select(n => n.Name)],
        [.. Labels.Select(l => l.Task)],
        UserField,
        ItemField,
        ItemFeatureFields,
        Time is not null);
}
