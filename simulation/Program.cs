using System.CommandLine;
using System.Globalization;
using Federated.Coordinator.Runs;
using Federated.Model.Parameters;
using Federated.Model.Training;
using Federated.Simulation.Cli;
using Federated.Simulation.Datasets;
using Federated.Simulation.Engine;
using Federated.Simulation.Reports;
using Federated.Simulation.Synthetic;
using Spectre.Console;

// The simulation's commands. No arguments: the synthetic multi-task federation (institutions as clients), federated
// against local-only and centralised, with tables, a report folder and plots, in under a minute on 2 cores.
// Written to a file or a pipe, lines are not wrapped at the 80 columns Spectre assumes without a terminal.
if (Console.IsOutputRedirected)
{
    AnsiConsole.Profile.Width = 1000;
}

var commandLine = "dotnet run --project simulation" + (args.Length == 0 ? "" : " -- " + string.Join(' ', args));
var seed = new Option<int>("--seed") { Description = "Seed of the split, the partition, the model and the clients", DefaultValueFactory = _ => 1 };
var rounds = new Option<int?>("--rounds") { Description = "Federated rounds (references: rounds × local epochs passes)" };
var localEpochs = new Option<int?>("--local-epochs") { Description = "Passes over a client's training rows per round" };
var batchSize = new Option<int?>("--batch-size") { Description = "Examples per step" };
var learningRate = new Option<float?>("--learning-rate") { Description = "Local learning rate" };
var optimizer = new Option<string>("--optimizer") { Description = "Local optimiser: sgd, momentum or adam (fresh every round)", DefaultValueFactory = _ => "adam" };
var fraction = new Option<double?>("--fraction") { Description = "Fraction of clients selected per round (default: all)" };
var workers = new Option<int>("--workers") { Description = "Worker threads training clients in parallel", DefaultValueFactory = _ => 2 };
var dim = new Option<int?>("--dim") { Description = "Embedding dimension: movielens's main fields; csv's fields whose schema gives no dim (default 16 in both)" };
var l2 = new Option<float?>("--l2") { Description = "L2 coefficient of the model (dense weights and the embedding rows of each batch)" };
var output = new Option<string?>("--out") { Description = "Report folder (default reports/<experiment>-<seed>)" };
var summary = new Option<string?>("--summary") { Description = "Also write the machine-readable JSON summary to this path" };
var clients = new Option<int>("--clients") { Description = "Clients of iid and dirichlet partitions", DefaultValueFactory = _ => 10 };
var transport = new Option<string>("--transport")
{
    Description = "in-memory: clients call the round engine directly; grpc: the coordinator service on loopback, each client over its own gRPC connection",
    DefaultValueFactory = _ => "in-memory",
};
transport.AcceptOnlyFromAmong("in-memory", "grpc");
optimizer.AcceptOnlyFromAmong("sgd", "momentum", "adam");
var strategy = new Option<string?>("--strategy")
{
    Description = "Aggregation strategy NAME[:key=value,...], any the coordinator knows, e.g. fedavg:serverLearningRate=0.5 (default fedavg, server learning rate 1)",
};
var attack = new Option<string?>("--attack")
{
    Description = "What the malicious clients do: sign-flip (send −Δ), scale:K (K·Δ), gaussian:SIGMA (N(0, σ²) noise instead of Δ), both after clipping; label-flip (train on flipped labels)",
};
var malicious = new Option<int>("--malicious") { Description = "How many clients attack (chosen by the seed), in [0, clients)", DefaultValueFactory = _ => 0 };
var compareStrategies = new Option<string?>("--compare-strategies")
{
    Description = "Run the same federation (seed, attack, malicious clients) once per strategy a,b,c (each NAME[:key=value,...]), plus a clean FedAvg run; one table and one plot per task",
};
var dpNoise = new Option<double?>("--dp-noise") { Description = "Differential privacy (DP-FedAvg at the coordinator): noise multiplier z; needs --dp-clip" };
var dpClip = new Option<string?>("--dp-clip") { Description = "Clip norm S of each whole update, or 'adaptive' (S₀ = 0.1 tracking the median norm); needs --dp-noise" };
var dpDelta = new Option<double?>("--dp-delta") { Description = "δ of the reported (ε, δ) (default 1e-5)" };
var sampleRate = new Option<double?>("--sample-rate") { Description = "q: with privacy each client takes part in a round with probability q (Poisson sampling), as the accountant assumes (default --fraction, or 1)" };
var dpSweep = new Option<string?>("--dp-sweep")
{
    Description = "Run the same federation once per noise multiplier Z1,Z2,… (with --dp-clip, --dp-delta, --sample-rate) and once without privacy; one privacy–utility table (ε against every task's figures) and one plot per task",
};
var validationFraction = new Option<double?>("--validation-fraction")
{
    Description = "Share of each client's training rows held out for validation (seeded, the same rows for every series); every series then reports its best version by validation. Default 0: off",
};
var patience = new Option<int?>("--patience") { Description = "Rounds without validation improvement before a series stops (needs --validation-fraction). Default: no early stop" };
var selectBy = new Option<string?>("--select-by") { Description = "TASK:METRIC that picks the best version on validation, e.g. like:auc (default: the first task's headline metric)" };
var referenceRounds = new Option<int?>("--reference-rounds") { Description = "Rounds of the local-only and centralised references (default: --rounds); with --patience they stop earlier on their own validation" };
var optionsFile = new Option<string?>("--options") { Description = "A JSON options file (as simulation tune --out writes); flags on the command line override it" };
var modelFile = new Option<string?>("--model")
{
    Description = "A model spec JSON (fields with dim and buckets or vocabulary, numeric, trunk shared-bottom | mmoe | ple, tasks with towers, …) instead of "
        + "the command's built-in model (stated in its description); its fields, numeric features and tasks must be the data's. Not with --dim",
};
Option[] common = [seed, rounds, localEpochs, batchSize, learningRate, optimizer, fraction, workers, l2, transport, output, summary, strategy, attack, malicious, compareStrategies, dpNoise, dpClip, dpDelta, sampleRate, dpSweep, validationFraction, patience, selectBy, referenceRounds, optionsFile];

Func<Federated.Coordinator.Runs.RunConfig, CompiledModel, int, CancellationToken, Task<IFederationHost>>? Host(ParseResult r) => r.GetValue(transport) == "grpc"
    ? async (config, model, count, cancellationToken) => await GrpcFederationHost.StartAsync(config, model, count, cancellationToken).ConfigureAwait(false)
    : null;

SimulationOptions Options(ParseResult r, int defaultRounds, int defaultEpochs, int defaultBatch, float defaultRate)
{
    var options = BaseOptions(r, defaultRounds, defaultEpochs, defaultBatch, defaultRate);
    if (r.GetValue(strategy) is { } strategyText)
    {
        if (r.GetValue(compareStrategies) is not null)
        {
            throw new ArgumentException("--strategy and --compare-strategies: give one or the other");
        }

        var chosen = StrategySpec.Parse(strategyText);
        options = options with { Strategy = chosen.Name, StrategyParameters = chosen.Parameters };
    }

    var noise = r.GetValue(dpNoise);
    if (r.GetValue(dpSweep) is { } sweep)
    {
        if (noise is not null || r.GetValue(compareStrategies) is not null)
        {
            throw new ArgumentException("--dp-sweep sets the noise of each run: give it without --dp-noise and --compare-strategies");
        }

        if (r.GetValue(dpClip) is null)
        {
            throw new ArgumentException("--dp-sweep needs --dp-clip S|adaptive");
        }

        noise = PrivacySweep.Parse(sweep)[0];
    }

    var (privacy, selected) = PrivacySpec.FromFlags(noise, r.GetValue(dpClip), r.GetValue(dpDelta), r.GetValue(sampleRate), options.FractionPerRound);
    if (privacy is not null)
    {
        options = options with { Privacy = privacy, FractionPerRound = selected };
    }

    var count = r.GetValue(malicious);
    if (r.GetValue(attack) is { } attackText)
    {
        if (count < 0)
        {
            throw new ArgumentException($"--malicious {count}: must be ≥ 0");
        }

        options = options with { Attack = Federated.Simulation.Attacks.AttackSpec.Parse(attackText), Malicious = count };
    }
    else if (count != 0)
    {
        throw new ArgumentException("--malicious needs --attack");
    }

    return options;
}

// Runs one experiment, or with --compare-strategies one per strategy and a clean one, or with --dp-sweep one per noise
// multiplier and one without privacy; build(options, references).
async Task RunOrCompareAsync(ParseResult r, SimulationOptions options, Func<SimulationOptions, bool, Experiment> build, string folder, CancellationToken cancellationToken)
{
    if (r.GetValue(dpSweep) is { } noises)
    {
        await PrivacySweep.RunAsync(build, options, PrivacySweep.Parse(noises), folder, cancellationToken).ConfigureAwait(false);
        return;
    }

    if (r.GetValue(compareStrategies) is { } list)
    {
        await StrategyComparison.RunAsync(build, options, StrategySpec.ParseList(list), folder, cancellationToken).ConfigureAwait(false);
        return;
    }

    var experiment = build(options, true);
    experiment.ValidateRunConfig();
    await ExperimentConsole.RunAsync(experiment, folder, r.GetValue(summary), cancellationToken).ConfigureAwait(false);
}

SimulationOptions BaseOptions(ParseResult r, int defaultRounds, int defaultEpochs, int defaultBatch, float defaultRate)
{
    var file = FileOptions(r);
    var options = new SimulationOptions
    {
        Seed = r.GetValue(seed),
        Rounds = r.GetValue(rounds) ?? file?.Rounds ?? defaultRounds,
        Plan = SimulationOptions.DefaultPlan with
        {
            LocalEpochs = r.GetValue(localEpochs) ?? file?.LocalEpochs ?? defaultEpochs,
            BatchSize = r.GetValue(batchSize) ?? file?.BatchSize ?? defaultBatch,
            LearningRate = r.GetValue(learningRate) ?? file?.LearningRate ?? defaultRate,
            Optimizer = LocalTrainingPlan.ParseOptimizer(r.GetValue(optimizer)!),
        },
        FractionPerRound = r.GetValue(fraction),
        Workers = r.GetValue(workers),
        ValidationFraction = r.GetValue(validationFraction) ?? file?.ValidationFraction ?? 0,
        Patience = r.GetValue(patience) ?? file?.Patience,
        ReferenceRounds = r.GetValue(referenceRounds),
    };
    options.ValidateBudget();
    if (r.GetValue(selectBy) is not null && !options.HasValidation)
    {
        // Checked here too: the task names that --select-by is parsed against are known only once the model is.
        throw new ArgumentException("--patience and --select-by need --validation-fraction > 0 (they act on validation rows)");
    }

    return options;
}

// The --options file, or null; read again by each use (it is small), so a bad one fails before any data loads.
OptionsFile? FileOptions(ParseResult r) => r.GetValue(optionsFile) is { } file ? OptionsFile.Load(file) : null;

// --select-by against the model's tasks (known only once the model is).
SimulationOptions WithSelection(ParseResult r, SimulationOptions options, Federated.Model.Spec.ModelSpec spec) =>
    r.GetValue(selectBy) is { } text ? options with { SelectBy = ValidationSelection.Parse(text, spec) } : options;

// A model the command builds itself takes no dim or trunk from an options file, which only the built-in MovieLens model has.
void RefuseShape(ParseResult r, string why)
{
    if (FileOptions(r) is { } file && (file.Dim is not null || file.Hidden is not null))
    {
        throw new ArgumentException($"--options {r.GetValue(optionsFile)}: dim and hidden apply to the built-in MovieLens model only, not {why}");
    }
}

var root = new RootCommand("Federated simulation: virtual clients through the real round engine, beside local-only and centralised references. "
    + "With no command: the synthetic multi-task federation (10 institutions, click / conversion (ESMM) / rating; fields user, item, genres, "
    + "institution, device; numeric price, hour). Defaults: 8 rounds, 1 local epoch, batch 128, learning rate 0.02, L2 0, model MMoE (4 experts) as printed in the report.");
foreach (var option in common.Append(modelFile))
{
    root.Options.Add(option);
}

root.SetAction(async (r, cancellationToken) =>
{
    var options = Options(r, defaultRounds: 8, defaultEpochs: 1, defaultBatch: 128, defaultRate: 0.02f);
    RefuseShape(r, "the synthetic model");
    var synthetic = SyntheticFederation.Generate(seed: options.Seed);
    var source = SyntheticSource.Create(synthetic);
    var spec = synthetic.DefaultSpec() with { L2 = r.GetValue(l2) ?? FileOptions(r)?.L2 ?? 0 };
    if (r.GetValue(modelFile) is { } file)
    {
        spec = ModelFile.Load(file, r.GetValue(l2) ?? FileOptions(r)?.L2);
        ModelFile.CheckFits(file, spec, source.Schema);
    }

    options = WithSelection(r, options, spec);
    var data = SimulationData.FromSource(source, CompiledModel.Compile(spec), testFraction: 0.2, seed: options.Seed);
    var institution = data.KeyOf("institution");
    var named = new SimulationData(string.Create(CultureInfo.InvariantCulture, $"synthetic ({synthetic.Institutions} institutions, {synthetic.Users} users, {synthetic.Items} items)"), data.Schema, data.Model, data.Examples, data.IsTest);
    var partition = Federated.Simulation.Partitioning.Partitioners.ByKey(data.Examples.Count, i => "institution-" + institution(i), "institution");
    Experiment Build(SimulationOptions o, bool references) => new()
    {
        Title = "Synthetic multi-task federation",
        CommandLine = commandLine,
        Data = named,
        Partition = partition,
        Options = o,
        HostFactory = Host(r),
        WithReferences = references,
        Settings = new Dictionary<string, string> { ["model source"] = r.GetValue(modelFile) ?? "built-in" },
    };
    await RunOrCompareAsync(r, options, Build, r.GetValue(output) ?? string.Create(CultureInfo.InvariantCulture, $"reports/synthetic-{options.Seed}"), cancellationToken).ConfigureAwait(false);
    return 0;
});

var path = new Option<string>("--path") { Description = "Directory of MovieLens 100K (u.data, u.item, u.user, u1..u5.base/test)", Required = true };
var fold = new Option<int>("--fold") { Description = "Official fold 1..5", DefaultValueFactory = _ => 1 };
var folds = new Option<string?>("--folds") { Description = "'all': every fold, figures averaged" };
var moviePartition = new Option<string>("--partition")
{
    Description = "occupation | age | gender | zip-region | per-user | iid | dirichlet:ALPHA:KEY | key:FIELD",
    DefaultValueFactory = _ => "zip-region",
};
var movielens = new Command("movielens", "MovieLens 100K on the official folds: tasks rating (RMSE) and like = rating ≥ 4 (AUC), users local, items shared; "
    + "fields item, user, genres, age, gender, occupation. Defaults: 20 rounds, 2 local epochs, batch 32, learning rate 0.01, L2 0.001, "
    + "model shared-bottom [32, 16] with towers [8] and dim 16 (all printed in the report).");
foreach (var option in common.Concat([path, fold, folds, moviePartition, clients, dim, modelFile]))
{
    movielens.Options.Add(option);
}

movielens.SetAction(async (r, cancellationToken) =>
{
    var options = Options(r, defaultRounds: 20, defaultEpochs: 2, defaultBatch: 32, defaultRate: 0.01f);
    var directory = r.GetValue(path)!;
    var (model, modelDescription) = MovieLensModel(r);
    options = WithSelection(r, options, model.Spec);
    int[] chosen = r.GetValue(folds) switch
    {
        null => [r.GetValue(fold)],
        "all" => [1, 2, 3, 4, 5],
        var other => throw new ArgumentException($"--folds '{other}': only 'all' is known"),
    };
    var partitionName = r.GetValue(moviePartition)!;
    PartitionSpec.Check(partitionName, r.GetValue(clients), [.. Federated.Client.Data.MovieLensSource.FieldNames, .. Federated.Client.Data.MovieLensSource.TaskNames], ["zip-region"]);
    var folder = r.GetValue(output) ?? $"reports/movielens-{partitionName.Replace(':', '-')}-{options.Seed}";
    if (chosen.Length > 1 && (r.GetValue(compareStrategies) is not null || r.GetValue(dpSweep) is not null))
    {
        throw new ArgumentException("--compare-strategies and --dp-sweep run one fold: give --fold, not --folds all");
    }

    var reports = new List<ExperimentReport>();
    foreach (var k in chosen)
    {
        SimulationData data;
        try
        {
            data = MovieLensData.Fold(directory, k, model);
        }
        catch (Federated.Client.Data.DataFormatException e) when (r.GetValue(modelFile) is { } file)
        {
            throw new ArgumentException($"--model {file}: the spec does not fit MovieLens: {e.Message}");
        }


        var partition = PartitionSpec.Parse(partitionName, data, r.GetValue(clients), options.Seed, MovieLensData.NamedKeys(directory, data));
        Experiment Build(SimulationOptions o, bool references) => new()
        {
            Title = string.Create(CultureInfo.InvariantCulture, $"MovieLens 100K, fold u{k}, partition {partitionName}"),
            CommandLine = commandLine,
            Data = data,
            Partition = partition,
            Options = o,
            HostFactory = Host(r),
            WithReferences = references,
            Anchors = MovieLensData.Anchors,
            Settings = new Dictionary<string, string> { ["model source"] = modelDescription },
        };
        if (r.GetValue(compareStrategies) is not null || r.GetValue(dpSweep) is not null)
        {
            await RunOrCompareAsync(r, options, Build, folder, cancellationToken).ConfigureAwait(false);
            return 0;
        }

        var experiment = Build(options, true);
        experiment.ValidateRunConfig();
        reports.Add(await ExperimentConsole.RunAsync(experiment, chosen.Length == 1 ? folder : Path.Combine(folder, $"fold-{k}"), chosen.Length == 1 ? r.GetValue(summary) : null, cancellationToken).ConfigureAwait(false));
    }

    if (chosen.Length > 1)
    {
        var average = ReportAverager.Average(reports, $"MovieLens 100K, folds u1–u5 averaged, partition {partitionName}", commandLine);
        AnsiConsole.MarkupLine("[bold]Mean over the folds[/]");
        ConsoleSummary.Print(average);
        AnsiConsole.MarkupLine("Report: {0}", Markup.Escape(Path.GetFullPath(ReportWriter.Write(average, folder))));
        if (r.GetValue(summary) is { } summaryPath)
        {
            ExperimentSummary.Write(average, summaryPath);
        }
    }

    return 0;
});

var csvData = new Option<string>("--data") { Description = "The CSV/TSV file: its rows, less the bad ones (counted and named in the report), are the examples", Required = true };
var csvSchema = new Option<string>("--schema") { Description = "Its schema JSON (the client's format; the README's CSV section lists the keys)", Required = true };
var csvTestData = new Option<string?>("--test-data") { Description = "A fixed test file with the same schema (a published split): its rows are the test rows. Not with --test-fraction" };
var csvPartition = new Option<string>("--partition")
{
    Description = "iid | dirichlet:ALPHA:KEY | key:COLUMN | per-user; KEY and COLUMN name a field (a model input, or one of role partition) or a task",
    DefaultValueFactory = _ => "iid",
};
var testFraction = new Option<double>("--test-fraction") { Description = "Seeded random share of the rows held out for test, in (0, 1) (without --test-data)", DefaultValueFactory = _ => 0.2 };
var csv = new Command("csv", "Any CSV described by a schema: the tasks it declares. Defaults: 10 rounds, 1 local epoch, batch 64, learning rate 0.01, L2 0; "
    + $"without --model the model is derived from the schema: a shared bottom [{string.Join(", ", CsvData.DefaultHidden)}], towers [{string.Join(", ", CsvData.DefaultTower)}], "
    + $"each input field dim {CsvData.DefaultDim} and {CsvData.DefaultBuckets} buckets unless the schema gives its own, the user field local, heads local, "
    + "a task binary when every label is 0 or 1, else regression (the model is printed before the run and in the report).");
foreach (var option in common.Concat([csvData, csvSchema, csvTestData, csvPartition, clients, testFraction, dim, modelFile]))
{
    csv.Options.Add(option);
}

csv.SetAction(async (r, cancellationToken) =>
{
    var options = Options(r, defaultRounds: 10, defaultEpochs: 1, defaultBatch: 64, defaultRate: 0.01f);
    RefuseShape(r, "the CSV command's model");
    var partitionName = r.GetValue(csvPartition)!;
    var input = new CsvCommandInput
    {
        DataPath = r.GetValue(csvData)!,
        SchemaPath = r.GetValue(csvSchema)!,
        TestPath = r.GetValue(csvTestData),
        TestFractionGiven = r.GetResult(testFraction) is { Implicit: false },
        TestFraction = r.GetValue(testFraction),
        Dim = r.GetValue(dim),
        ModelPath = r.GetValue(modelFile),
        L2 = r.GetValue(l2) ?? FileOptions(r)?.L2,
        Partition = partitionName,
        Clients = r.GetValue(clients),
    };
    var spec = input.Check();
    if (spec is not null)
    {
        options = WithSelection(r, options, spec);
    }

    var (data, quality) = input.Load(spec, options.Seed);
    options = WithSelection(r, options, data.Spec);
    var partition = PartitionSpec.Parse(partitionName, data, r.GetValue(clients), options.Seed);
    Experiment Build(SimulationOptions o, bool references) => new()
    {
        Title = $"{data.Name}, partition {partitionName}",
        CommandLine = commandLine,
        Data = data,
        Partition = partition,
        Options = o,
        HostFactory = Host(r),
        WithReferences = references,
        Settings = new Dictionary<string, string>
        {
            ["model source"] = r.GetValue(modelFile) ?? "derived from the schema",
            ["rows rejected"] = CsvData.DescribeRejected(quality) ?? "none",
        },
    };
    var name = Path.GetFileNameWithoutExtension(input.DataPath);
    await RunOrCompareAsync(r, options, Build, r.GetValue(output) ?? string.Create(CultureInfo.InvariantCulture, $"reports/{name}-{options.Seed}"), cancellationToken).ConfigureAwait(false);
    return 0;
});

// The built-in MovieLens model (with --dim and --l2), or the spec of --model (--l2 still overrides its l2).
(CompiledModel Model, string Description) MovieLensModel(ParseResult r)
{
    var options = FileOptions(r);
    if (r.GetValue(modelFile) is not { } file)
    {
        var hidden = options?.Hidden;
        var builtIn = MovieLensData.Spec(r.GetValue(dim) ?? options?.Dim ?? 16, hidden) with { L2 = r.GetValue(l2) ?? options?.L2 ?? 1e-3f };
        return (CompiledModel.Compile(builtIn), "built-in");
    }

    RefuseShape(r, "a --model spec (it sets its own)");

    if (r.GetValue(dim) is not null)
    {
        throw new ArgumentException("--model and --dim: the spec file sets every field's dim; give one or the other");
    }

    var spec = ModelFile.Load(file, r.GetValue(l2) ?? options?.L2);
    ModelFile.CheckFits(file, spec, new Federated.Client.Data.ExampleSchema(Federated.Client.Data.MovieLensSource.FieldNames, [], Federated.Client.Data.MovieLensSource.TaskNames));
    return (CompiledModel.Compile(spec), file);
}

var trials = new Option<int>("--trials") { Description = "Random settings drawn (successive halving keeps the best third at each rung)", DefaultValueFactory = _ => 9 };
var budget = new Option<int>("--budget") { Description = "Federated rounds of the last rung; earlier rungs get a third, a ninth, … (a trial also stops after --patience rounds without validation improvement, default 3 here)", DefaultValueFactory = _ => 54 };
var tuneOut = new Option<string?>("--out") { Description = "Write the best settings as an options file (--options FILE of movielens and the default command)" };
var tuneReport = new Option<string?>("--report") { Description = "Also write the table of trials as Markdown to this path" };
var tune = new Command("tune", "Random search with successive halving over learning rate, L2, local epochs, batch, dim and trunk widths on MovieLens 100K, "
    + "federated series only, scored on validation rows (never test).");
foreach (var option in new Option[] { seed, workers, path, fold, moviePartition, clients, modelFile, validationFraction, selectBy, patience, trials, budget, tuneOut, tuneReport })
{
    tune.Options.Add(option);
}

tune.SetAction(async (r, cancellationToken) =>
{
    // Checked before anything loads: a search scored on test rows would leak them into the model's choice.
    if (r.GetValue(validationFraction) is not (> 0 and < 1))
    {
        throw new ArgumentException("tune scores trials on validation rows only: give --validation-fraction in (0, 1), e.g. 0.1");
    }

    if (r.GetValue(trials) < 1 || r.GetValue(budget) < 1)
    {
        throw new ArgumentException("--trials and --budget must be ≥ 1");
    }

    if (r.GetValue(patience) is { } stall and < 1)
    {
        throw new ArgumentException($"--patience {stall}: must be ≥ 1 round");
    }

    var (baseModel, _) = MovieLensModel(r);
    await new MovieLensTuning
    {
        Directory = r.GetValue(path)!,
        Fold = r.GetValue(fold),
        Partition = r.GetValue(moviePartition)!,
        Clients = r.GetValue(clients),
        Model = baseModel.Spec,
        Shaped = r.GetValue(modelFile) is null,
        Seed = r.GetValue(seed),
        Workers = r.GetValue(workers),
        ValidationFraction = r.GetValue(validationFraction)!.Value,
        Selection = r.GetValue(selectBy) is { } text ? ValidationSelection.Parse(text, baseModel.Spec) : ValidationSelection.Default(baseModel.Spec),
        Patience = r.GetValue(patience) ?? 3,
        Trials = r.GetValue(trials),
        Budget = r.GetValue(budget),
        CommandLine = commandLine,
    }.RunAsync(r.GetValue(tuneOut), r.GetValue(tuneReport), cancellationToken).ConfigureAwait(false);
    return 0;
});

root.Subcommands.Add(movielens);
root.Subcommands.Add(tune);
root.Subcommands.Add(csv);
try
{
    var parsed = root.Parse(args);
    if (parsed.Errors.Count > 0)
    {
        // System.CommandLine's own errors (an unknown optimizer, a missing --data, a value that is not a number) follow the
        // same rule as ours: one line, exit code 2, and --help for the rest.
        await Console.Error.WriteLineAsync(CommandLineError.Describe(parsed.Errors[0])).ConfigureAwait(false);
        return 2;
    }

    return await parsed.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false }).ConfigureAwait(false);
}
catch (Exception e) when (e is RunConfigException or Federated.Model.Spec.ModelSpecException or Federated.Client.Data.DataFormatException || e.GetType() == typeof(ArgumentException))
{
    // A bad option value or run config is the user's to fix: one line naming it, no stack trace. (Subtypes such as
    // ArgumentNullException are bugs and keep their trace.)
    await Console.Error.WriteLineAsync("error: " + e.Message).ConfigureAwait(false);
    return 2;
}
