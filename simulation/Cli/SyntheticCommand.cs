using System.CommandLine;
using System.Globalization;
using Federated.Model.Parameters;
using Federated.Simulation.Engine;
using Federated.Simulation.Partitioning;
using Federated.Simulation.Synthetic;

namespace Federated.Simulation.Cli;

/// <summary>
/// The root command, run with no command: the synthetic multi-task federation (institutions as clients), federated
/// against local-only and centralised, with tables, a report folder and plots, in under a minute on 2 cores.
/// </summary>
internal sealed class SyntheticCommand
{
    private readonly SharedOptions _shared;
    private readonly string _commandLine;
    private readonly Option<string?> _positiveWeight;

    private SyntheticCommand(SharedOptions shared, string commandLine, Option<string?> positiveWeight)
    {
        _shared = shared;
        _commandLine = commandLine;
        _positiveWeight = positiveWeight;
    }

    /// <summary>The root command with the shared options and <c>--model</c>; <paramref name="commandLine"/> goes into the report.</summary>
    public static RootCommand Create(SharedOptions shared, string commandLine)
    {
        var root = new RootCommand("Federated simulation: virtual clients through the real round engine, beside local-only and centralised references. "
            + "With no command: the synthetic multi-task federation (10 institutions, click / conversion (ESMM) / rating; fields user, item, genres, "
            + "institution, device; numeric price, hour). Defaults: 8 rounds, 1 local epoch, batch 128, learning rate 0.02, L2 0, model MMoE (4 experts) as printed in the report.");
        var positiveWeight = PositiveWeightOption.Create();
        foreach (var option in shared.Common.Append(shared.ModelFilePath).Append(positiveWeight))
        {
            root.Options.Add(option);
        }

        root.SetAction(new SyntheticCommand(shared, commandLine, positiveWeight).RunAsync);
        return root;
    }

    private async Task<int> RunAsync(ParseResult r, CancellationToken cancellationToken)
    {
        var options = _shared.ToSimulationOptions(r, defaultRounds: 8, defaultEpochs: 1, defaultBatch: 128, defaultRate: 0.02f);
        _shared.RefuseShape(r, "the synthetic model");
        if (options.ReleaseByTime is { } k)
        {
            throw new ArgumentException($"--release-by-time {k}: the synthetic data has no timestamps; use it with movielens (or csv with a time column)");
        }

        var synthetic = SyntheticFederation.Generate(seed: options.Seed);
        var source = SyntheticSource.Create(synthetic);
        var spec = synthetic.DefaultSpec() with { L2 = r.GetValue(_shared.L2) ?? _shared.LoadOptionsFile(r)?.L2 ?? 0 };
        if (r.GetValue(_shared.ModelFilePath) is { } file)
        {
            spec = ModelFile.Load(file, r.GetValue(_shared.L2) ?? _shared.LoadOptionsFile(r)?.L2);
            ModelFile.CheckFits(file, spec, source.Schema);
        }

        spec = PositiveWeightOption.Apply(spec, r.GetValue(_positiveWeight));

        options = _shared.WithSelection(r, options, spec);
        var data = SimulationData.FromSource(source, CompiledModel.Compile(spec), testFraction: 0.2, seed: options.Seed);
        var institution = data.KeyOf("institution");
        var named = new SimulationData(string.Create(CultureInfo.InvariantCulture, $"synthetic ({synthetic.Institutions} institutions, {synthetic.Users} users, {synthetic.Items} items)"), data.Schema, data.Model, data.Examples, data.IsTest);
        var partition = Partitioners.ByKey(data.Examples.Count, i => "institution-" + institution(i), "institution");
        Experiment Build(SimulationOptions o, bool references) => new()
        {
            Title = "Synthetic multi-task federation",
            CommandLine = _commandLine,
            Data = named,
            Partition = partition,
            Options = o,
            HostFactory = _shared.HostFactory(r),
            WithReferences = references,
            Settings = new Dictionary<string, string> { ["model source"] = r.GetValue(_shared.ModelFilePath) ?? "built-in" },
        };
        await _shared.RunOrCompareAsync(r, options, Build, r.GetValue(_shared.Output) ?? string.Create(CultureInfo.InvariantCulture, $"reports/synthetic-{options.Seed}"), cancellationToken).ConfigureAwait(false);
        return 0;
    }
}
