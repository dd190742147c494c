using System.Globalization;
using Federated.Client.Data;
using Federated.Model.Spec;
using Federated.Simulation.Datasets;
using Federated.Simulation.Engine;
using Spectre.Console;

namespace Federated.Simulation.Cli;

/// <summary>
/// What the <c>csv</c> command was given, checked in two steps: <see cref="Check"/> before a row is read (options,
/// files, the schema, the partition, a <c>--model</c> spec against the schema), then <see cref="Load"/> (the rows, each
/// file's bad rows printed, and what the data must still allow: a training row, enough rows for the clients). Every
/// failure is an <see cref="ArgumentException"/> naming the option or key, which the command prints as one line.
/// </summary>
internal sealed class CsvCommandInput
{
    private CsvSchema? _schema;

    public required string DataPath { get; init; }

    public required string SchemaPath { get; init; }

    /// <summary>A fixed test file, or null for a random split by <see cref="TestFraction"/>.</summary>
    public string? TestPath { get; init; }

    /// <summary>Whether --test-fraction was given on the command line (not just its default).</summary>
    public bool TestFractionGiven { get; init; }

    public double TestFraction { get; init; }

    public int? Dim { get; init; }

    public string? ModelPath { get; init; }

    /// <summary>--l2 (or the options file's), which overrides a spec's and is the derived model's (else 0).</summary>
    public float? L2 { get; init; }

    public required string Partition { get; init; }

    public int Clients { get; init; }

    /// <summary>Checks everything that needs no row; returns the <c>--model</c> spec, or null when the model is derived.</summary>
    public ModelSpec? Check()
    {
        if (TestPath is not null && TestFractionGiven)
        {
            throw new ArgumentException("--test-data and --test-fraction: a fixed test file replaces the random split; give one or the other");
        }

        if (TestPath is null && !(TestFraction > 0 && TestFraction < 1))
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"--test-fraction {TestFraction}: must be in (0, 1)"));
        }

        if (Dim is < 1)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"--dim {Dim}: must be ≥ 1"));
        }

        if (ModelPath is not null && Dim is not null)
        {
            throw new ArgumentException("--model and --dim: the spec file sets every field's dim; give one or the other");
        }

        RequireFile("--data", DataPath);
        RequireFile("--schema", SchemaPath);
        if (TestPath is not null)
        {
            RequireFile("--test-data", TestPath);
        }

        var schema = CsvData.LoadSchema(SchemaPath);
        var exampleSchema = schema.ToExampleSchema();
        PartitionSpec.Check(Partition, Clients, [.. exampleSchema.Fields, .. exampleSchema.Tasks]);
        if (Partition == "per-user" && schema.UserField is null)
        {
            throw new ArgumentException($"--partition per-user: the schema {SchemaPath} names no userField");
        }

        ModelSpec? spec = null;
        if (ModelPath is not null)
        {
            spec = ModelFile.Load(ModelPath, L2);
            ModelFile.CheckFits(ModelPath, spec, exampleSchema, CsvData.PartitionKeys(schema));
        }

        CsvData.CheckColumns("--data", DataPath, schema);
        if (TestPath is not null)
        {
            CsvData.CheckColumns("--test-data", TestPath, schema);
        }

        _schema = schema;
        return spec;
    }

    /// <summary>Reads the rows (after <see cref="Check"/>), prints each file's row counts and first bad rows, and checks what the data must allow.</summary>
    public (SimulationData Data, IReadOnlyList<DataQualityReport> Quality) Load(ModelSpec? spec, int seed)
    {
        var schema = _schema ?? throw new InvalidOperationException("Check first");
        var (data, quality) = CsvData.Load(DataPath, TestPath, schema, spec, Dim, L2 ?? 0, TestFraction, seed);
        string[] files = TestPath is null ? [DataPath] : [DataPath, TestPath];
        for (var i = 0; i < quality.Count; i++)
        {
            AnsiConsole.MarkupLine("{0}: {1}", Markup.Escape(Path.GetFileName(files[i])), Markup.Escape(quality[i].ToString()));
        }

        // Data that leaves nothing to train on is the user's to fix too (bad rows, a tiny file): one line, not a trace.
        if (data.IsTest.All(t => t))
        {
            throw new ArgumentException($"--data {DataPath}: no training row could be read; rows rejected: {CsvData.DescribeRejected([quality[0]]) ?? "none"}");
        }

        if (Partition.Split(':')[0] is "iid" or "dirichlet" && data.Examples.Count < Clients)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"--clients {Clients}: more clients than the {data.Examples.Count} rows read"));
        }

        return (data, quality);
    }

    // A file option must name an existing file: said in one line before anything loads.
    private static void RequireFile(string option, string file)
    {
        if (!File.Exists(file))
        {
            throw new ArgumentException($"{option} {file}: no such file");
        }
    }
}
