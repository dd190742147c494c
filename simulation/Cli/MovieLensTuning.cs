using System.Globalization;
using Federated.Model.Parameters;
using Federated.Model.Spec;
using Federated.Simulation.Datasets;
using Federated.Simulation.Engine;
using Federated.Simulation.Tuning;
using Spectre.Console;

namespace Federated.Simulation.Cli;

/// <summary>
/// <c>simulation tune</c> on one MovieLens 100K fold: draws the trials, runs successive halving over the federated
/// series (validation rows only), prints the trials and the winner, and writes the options file and the Markdown table.
/// </summary>
internal sealed record MovieLensTuning
{
    /// <summary>The MovieLens 100K directory.</summary>
    public required string Directory { get; init; }

    /// <summary>The official fold, 1–5.</summary>
    public required int Fold { get; init; }

    /// <summary>The partition's name (as <c>movielens --partition</c>).</summary>
    public required string Partition { get; init; }

    /// <summary>Clients of iid and Dirichlet partitions.</summary>
    public required int Clients { get; init; }

    /// <summary>The model: the built-in one (reshaped per trial when <see cref="Shaped"/>) or a spec file's.</summary>
    public required ModelSpec Model { get; init; }

    /// <summary>Whether the search may change the model's dimension and trunk (the built-in model only).</summary>
    public required bool Shaped { get; init; }

    /// <summary>Seed of the sample, the split, the partition and every trial's model.</summary>
    public required int Seed { get; init; }

    /// <summary>Worker threads of each trial.</summary>
    public required int Workers { get; init; }

    /// <summary>Validation share of each client's training rows, in (0, 1).</summary>
    public required double ValidationFraction { get; init; }

    /// <summary>The validation figure that scores a trial.</summary>
    public required ValidationSelection Selection { get; init; }

    /// <summary>Rounds without improvement before a trial stops.</summary>
    public required int Patience { get; init; }

    /// <summary>Trials drawn.</summary>
    public required int Trials { get; init; }

    /// <summary>Rounds of the last rung.</summary>
    public required int Budget { get; init; }

    /// <summary>The command line, for the Markdown table.</summary>
    public required string CommandLine { get; init; }

    /// <summary>Runs the search; writes the best settings to <paramref name="optionsPath"/> and the table to <paramref name="markdownPath"/> when given.</summary>
    public async Task RunAsync(string? optionsPath, string? markdownPath, CancellationToken cancellationToken)
    {
        var space = Shaped ? new SearchSpace() : new SearchSpace().WithoutShape();
        var sampled = space.Sample(Trials, Seed);
        var search = new SuccessiveHalving { Budget = Budget };
        AnsiConsole.MarkupLine(CultureInfo.InvariantCulture, "Tuning on MovieLens 100K fold u{0}, partition {1}: {2} trials, rungs {3}, scored on validation {4}.",
            Fold, Markup.Escape(Partition), sampled.Count, string.Join(" → ", search.Rungs(sampled.Count).Select(g => $"{g.Keep}×{g.Rounds} rounds")), Selection);
        var results = await search.RunAsync(sampled, Build, Selection, TuneConsole.PrintTrial, cancellationToken).ConfigureAwait(false);
        var best = TuneConsole.Print(results, Selection);
        if (markdownPath is not null)
        {
            await File.WriteAllTextAsync(markdownPath, TuneConsole.Markdown(results, Selection, CommandLine), cancellationToken).ConfigureAwait(false);
        }

        if (optionsPath is not null)
        {
            best.Save(optionsPath);
            AnsiConsole.MarkupLine("Best settings: {0}", Markup.Escape(Path.GetFullPath(optionsPath)));
        }
    }

    /// <summary>A trial's experiment: the federated series alone, with validation and patience, for <paramref name="rounds"/> rounds.</summary>
    private Experiment Build(TrialSettings trial, int rounds)
    {
        var spec = Shaped ? MovieLensData.Spec(trial.Dim ?? 16, trial.Hidden) : Model;
        var data = MovieLensData.Fold(Directory, Fold, CompiledModel.Compile(spec with { L2 = trial.L2 }));
        return new Experiment
        {
            Title = "tune",
            CommandLine = CommandLine,
            Data = data,
            Partition = PartitionSpec.Parse(Partition, data, Clients, Seed, MovieLensData.NamedKeys(Directory, data)),
            WithReferences = false,
            Options = new SimulationOptions
            {
                Seed = Seed,
                Rounds = rounds,
                Workers = Workers,
                ValidationFraction = ValidationFraction,
                SelectBy = Selection,
                Patience = Patience,
                Plan = SimulationOptions.DefaultPlan with { LearningRate = trial.LearningRate, LocalEpochs = trial.LocalEpochs, BatchSize = trial.BatchSize },
            },
        };
    }
}
