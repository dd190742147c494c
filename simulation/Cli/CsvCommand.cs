using System.CommandLine;
using System.Globalization;
using Federated.Simulation.Datasets;
using Federated.Simulation.Engine;

namespace Federated.Simulation.Cli;

/// <summary>
/// <c>simulation csv</c>: any CSV/TSV file described by a schema, with the model derived from the schema or given by
/// <c>--model</c>; the checks and the loading are <see cref="CsvCommandInput"/>'s.
/// </summary>
internal sealed class CsvCommand
{
    private readonly SharedOptions _shared;
    private readonly string _commandLine;
    private readonly Option<string> _data = new("--data") { Description = "The CSV/TSV file: its rows, less the bad ones (counted and named in the report), are the examples", Required = true };
    private readonly Option<string> _schema = new("--schema") { Description = "Its schema JSON (the client's format; the README's CSV section lists the keys)", Required = true };
    private readonly Option<string?> _testData = new("--test-data") { Description = "A fixed test file with the same schema (a published split): its rows are the test rows. Not with --test-fraction" };
    private readonly Option<string> _partition = new("--partition")
    {
        Description = "iid | dirichlet:ALPHA:KEY | key:COLUMN | per-user; KEY and COLUMN name a field (a model input, or one of role partition) or a task",
        DefaultValueFactory = _ => "iid",
    };

    private readonly Option<double> _testFraction = new("--test-fraction") { Description = "Seeded random share of the rows held out for test, in (0, 1) (without --test-data)", DefaultValueFactory = _ => 0.2 };

    private CsvCommand(SharedOptions shared, string commandLine)
    {
        _shared = shared;
        _commandLine = commandLine;
    }

    /// <summary>The command with the shared options and its own; <paramref name="commandLine"/> goes into the report.</summary>
    public static Command Create(SharedOptions shared, string commandLine)
    {
        var handler = new CsvCommand(shared, commandLine);
        var command = new Command("csv", "Any CSV described by a schema: the tasks it declares. Defaults: 10 rounds, 1 local epoch, batch 64, learning rate 0.01, L2 0; "
            + $"without --model the model is derived from the schema: a shared bottom [{string.Join(", ", CsvData.DefaultHidden)}], towers [{string.Join(", ", CsvData.DefaultTower)}], "
            + $"each input field dim {CsvData.DefaultDim} and {CsvData.DefaultBuckets} buckets unless the schema gives its own, the user field local, heads local, "
            + "a task binary when every label is 0 or 1, else regression (the model is printed before the run and in the report).");
        foreach (var option in shared.Common.Concat([handler._data, handler._schema, handler._testData, handler._partition, shared.Clients, handler._testFraction, shared.Dim, shared.ModelFilePath]))
        {
            command.Options.Add(option);
        }

        command.SetAction(handler.RunAsync);
        return command;
    }

    private async Task<int> RunAsync(ParseResult r, CancellationToken cancellationToken)
    {
        var options = _shared.ToSimulationOptions(r, defaultRounds: 10, defaultEpochs: 1, defaultBatch: 64, defaultRate: 0.01f);
        _shared.RefuseShape(r, "the CSV command's model");
        var partitionName = r.GetValue(_partition)!;
        var input = new CsvCommandInput
        {
            DataPath = r.GetValue(_data)!,
            SchemaPath = r.GetValue(_schema)!,
            TestPath = r.GetValue(_testData),
            TestFractionGiven = r.GetResult(_testFraction) is { Implicit: false },
            TestFraction = r.GetValue(_testFraction),
            Dim = r.GetValue(_shared.Dim),
            ModelPath = r.GetValue(_shared.ModelFilePath),
            L2 = r.GetValue(_shared.L2) ?? _shared.LoadOptionsFile(r)?.L2,
            Partition = partitionName,
            Clients = r.GetValue(_shared.Clients),
        };
        var spec = input.Check();
        if (spec is not null)
        {
            options = _shared.WithSelection(r, options, spec);
        }

        var (data, quality) = input.Load(spec, options.Seed);
        options = _shared.WithSelection(r, options, data.Spec);
        var partition = PartitionSpec.Parse(partitionName, data, r.GetValue(_shared.Clients), options.Seed);
        Experiment Build(SimulationOptions o, bool references) => new()
        {
            Title = $"{data.Name}, partition {partitionName}",
            CommandLine = _commandLine,
            Data = data,
            Partition = partition,
            Options = o,
            HostFactory = _shared.HostFactory(r),
            WithReferences = references,
            Settings = new Dictionary<string, string>
            {
                ["model source"] = r.GetValue(_shared.ModelFilePath) ?? "derived from the schema",
                ["rows rejected"] = CsvData.DescribeRejected(quality) ?? "none",
            },
        };
        var name = Path.GetFileNameWithoutExtension(input.DataPath);
        await _shared.RunOrCompareAsync(r, options, Build, r.GetValue(_shared.Output) ?? string.Create(CultureInfo.InvariantCulture, $"reports/{name}-{options.Seed}"), cancellationToken).ConfigureAwait(false);
        return 0;
    }
}
