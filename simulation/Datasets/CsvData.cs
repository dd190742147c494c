using System.Globalization;
using Federated.Client.Data;
using Federated.Model.Parameters;
using Federated.Model.Spec;
using Federated.Simulation.Engine;

namespace Federated.Simulation.Datasets;

/// <summary>
/// Any CSV described by the client's schema format: the examples of a data file (and of an optional fixed test file),
/// each file's bad rows counted and named, and the model — a <c>--model</c> spec, or one derived from the schema.
/// </summary>
public static class CsvData
{
    /// <summary>Embedding dimension of a derived model's field whose schema entry gives no <c>dim</c> (and no <c>--dim</c>).</summary>
    public const int DefaultDim = 16;

    /// <summary>Hash buckets of a derived model's field whose schema entry gives no <c>buckets</c>.</summary>
    public const int DefaultBuckets = 4096;

    /// <summary>Hidden layer sizes of a derived model's shared bottom.</summary>
    public static readonly IReadOnlyList<int> DefaultHidden = [32];

    /// <summary>Hidden layer sizes of a derived model's towers.</summary>
    public static readonly IReadOnlyList<int> DefaultTower = [16];

    /// <summary>Reads a schema file.</summary>
    /// <exception cref="ArgumentException">The file is missing or does not parse; the message names the key.</exception>
    public static CsvSchema LoadSchema(string path)
    {
        try
        {
            return CsvSchema.Load(path);
        }
        catch (Exception e) when (e is DataFormatException or IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"--schema {path}: {e.Message}");
        }
    }

    /// <summary>The fields a schema reads only to partition by.</summary>
    public static IReadOnlyList<string> PartitionKeys(CsvSchema schema) =>
        [.. (schema ?? throw new ArgumentNullException(nameof(schema))).Fields.Where(f => f.IsPartitionKey).Select(f => f.Name)];

    /// <summary>Checks that every column the schema names is in the file, reading only its header.</summary>
    /// <exception cref="ArgumentException">The file is missing, empty, or lacks a column (named).</exception>
    public static void CheckColumns(string option, string path, CsvSchema schema)
    {
        try
        {
            new CsvExampleSource(path, schema).CheckColumns();
        }
        catch (Exception e) when (e is DataFormatException or IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"{option} {path}: {e.Message}");
        }
    }

    /// <summary>
    /// Reads <paramref name="path"/> (and <paramref name="testPath"/>, whose rows are then the test rows; else a seeded
    /// random <paramref name="testFraction"/> of the rows are) and builds the data set for <paramref name="spec"/>, or,
    /// when it is null, for the model the schema derives (see <see cref="DeriveSpec"/>).
    /// </summary>
    /// <returns>The data set, and one line per file saying how many rows were read and which were rejected, and why.</returns>
    public static (SimulationData Data, IReadOnlyList<DataQualityReport> Quality) Load(
        string path, string? testPath, CsvSchema schema, ModelSpec? spec, int? dim, float l2, double testFraction, int seed)
    {
        ArgumentNullException.ThrowIfNull(schema);
        var source = new CsvExampleSource(path, schema);
        var examples = source.Read().ToList();
        var quality = new List<DataQualityReport> { source.Report };
        List<Example>? test = null;
        if (testPath is not null)
        {
            var testSource = new CsvExampleSource(testPath, schema);
            test = testSource.Read().ToList();
            quality.Add(testSource.Report);
        }

        var all = test is null ? examples : [.. examples, .. test];
        spec ??= DeriveSpec(schema, source.Schema, all, dim, l2);
        var model = CompiledModel.Compile(spec);
        if (test is null)
        {
            return (SimulationData.FromSource(new InMemoryExampleSource(source.Name, source.Schema, examples), model, testFraction, seed), quality);
        }

        var isTest = new bool[all.Count];
        isTest.AsSpan(examples.Count).Fill(true);
        return (new SimulationData($"{source.Name} (test {Path.GetFileName(testPath)})", source.Schema, model, all, isTest), quality);
    }

    /// <summary>
    /// The model a schema derives: every field that is a model input an embedding (its schema <c>dim</c>, else
    /// <paramref name="dim"/>, else <see cref="DefaultDim"/>; its <c>buckets</c>, else <see cref="DefaultBuckets"/>; the user
    /// field local, the rest shared), the numeric features, a shared bottom <see cref="DefaultHidden"/>, and one task per
    /// label with a local head and tower <see cref="DefaultTower"/>: binary when every present label is 0 or 1, else regression.
    /// </summary>
    public static ModelSpec DeriveSpec(CsvSchema schema, ExampleSchema exampleSchema, IReadOnlyList<Example> examples, int? dim, float l2)
    {
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(exampleSchema);
        ArgumentNullException.ThrowIfNull(examples);
        var tasks = new List<TaskSpec>();
        for (var t = 0; t < exampleSchema.Tasks.Count; t++)
        {
            var binary = examples.All(e => float.IsNaN(e.Labels[t]) || e.Labels[t] is 0f or 1f);
            tasks.Add(new TaskSpec { Name = exampleSchema.Tasks[t], Kind = binary ? TaskKind.Binary : TaskKind.Regression, Tower = DefaultTower });
        }

        return new ModelSpec
        {
            Fields =
            [
                .. schema.Fields.Where(f => !f.IsPartitionKey).Select(f => new FieldSpec
                {
                    Name = f.Name,
                    Dim = f.Dim ?? dim ?? DefaultDim,
                    Buckets = f.Buckets ?? DefaultBuckets,
                    MultiValued = f.Split is not null,
                    Scope = f.Name == exampleSchema.UserField ? ParameterScope.Local : ParameterScope.Shared,
                }),
            ],
            Numeric = [.. exampleSchema.Numeric],
            Trunk = new TrunkSpec { Kind = TrunkKind.SharedBottom, Hidden = DefaultHidden },
            Tasks = tasks,
            L2 = l2,
        };
    }

    /// <summary>The rows rejected across <paramref name="quality"/> as one line for report.md, or null when none were.</summary>
    public static string? DescribeRejected(IReadOnlyList<DataQualityReport> quality)
    {
        ArgumentNullException.ThrowIfNull(quality);
        var bad = quality.Sum(q => q.BadRows);
        if (bad == 0)
        {
            return null;
        }

        var named = quality.SelectMany(q => q.FirstBadRows).Select(r => r.ToString()).ToList();
        var read = quality.Sum(q => q.GoodRows + q.BadRows);
        return string.Create(CultureInfo.InvariantCulture, $"{bad} of {read} ({string.Join("; ", named)}{(bad > named.Count ? $"; … and {bad - named.Count} more" : "")})");
    }
}
