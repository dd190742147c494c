using System.CommandLine;
using System.Globalization;
using Federated.Client.Data;
using Federated.Simulation.Datasets;
using Federated.Simulation.Engine;
using Federated.Simulation.Reports;
using Spectre.Console;

namespace Federated.Simulation.Cli;

/// <summary>
/// <c>simulation movielens</c>: MovieLens 100K on one official fold, or on every fold with the figures averaged.
/// </summary>
internal sealed class MovieLensCommand
{
    private readonly SharedOptions _shared;
    private readonly MovieLensOptions _movieLens;
    private readonly string _commandLine;
    private readonly Option<string?> _folds = new("--folds") { Description = "'all': every fold, figures averaged" };

    private MovieLensCommand(SharedOptions shared, MovieLensOptions movieLens, string commandLine)
    {
        _shared = shared;
        _movieLens = movieLens;
        _commandLine = commandLine;
    }

    /// <summary>The command with the shared options and its own; <paramref name="commandLine"/> goes into the report.</summary>
    public static Command Create(SharedOptions shared, MovieLensOptions movieLens, string commandLine)
    {
        var handler = new MovieLensCommand(shared, movieLens, commandLine);
        var command = new Command("movielens", "MovieLens 100K on the official folds: tasks rating (RMSE) and like = rating ≥ 4 (AUC), users local, items shared; "
            + "fields item, user, genres, age, gender, occupation. Defaults: 20 rounds, 2 local epochs, batch 32, learning rate 0.01, L2 0.001, "
            + "model shared-bottom [32, 16] with towers [8] and dim 16 (all printed in the report).");
        foreach (var option in shared.Common.Concat([movieLens.Path, movieLens.Fold, handler._folds, movieLens.Partition, shared.Clients, shared.Dim, shared.ModelFilePath]))
        {
            command.Options.Add(option);
        }

        command.SetAction(handler.RunAsync);
        return command;
    }

    private async Task<int> RunAsync(ParseResult r, CancellationToken cancellationToken)
    {
        var options = _shared.ToSimulationOptions(r, defaultRounds: 20, defaultEpochs: 2, defaultBatch: 32, defaultRate: 0.01f);
        var directory = r.GetValue(_movieLens.Path)!;
        var (model, modelDescription) = _movieLens.Model(r);
        options = _shared.WithSelection(r, options, model.Spec);
        int[] chosen = r.GetValue(_folds) switch
        {
            null => [r.GetValue(_movieLens.Fold)],
            "all" => [1, 2, 3, 4, 5],
            var other => throw new ArgumentException($"--folds '{other}': only 'all' is known"),
        };
        var partitionName = r.GetValue(_movieLens.Partition)!;
        PartitionSpec.Check(partitionName, r.GetValue(_shared.Clients), [.. MovieLensSource.FieldNames, .. MovieLensSource.TaskNames], ["zip-region"]);
        var folder = r.GetValue(_shared.Output) ?? $"reports/movielens-{partitionName.Replace(':', '-')}-{options.Seed}";
        if (chosen.Length > 1 && (r.GetValue(_shared.CompareStrategies) is not null || r.GetValue(_shared.DpSweep) is not null))
        {
            throw new ArgumentException("--compare-strategies and --dp-sweep run one fold: give --fold, not --folds all");
        }

        _shared.CheckOutputs(r, folder);

        var reports = new List<ExperimentReport>();
        foreach (var k in chosen)
        {
            SimulationData data;
            try
            {
                data = MovieLensData.Fold(directory, k, model);
            }
            catch (DataFormatException e) when (r.GetValue(_shared.ModelFilePath) is { } file)
            {
                throw new ArgumentException($"--model {file}: the spec does not fit MovieLens: {e.Message}");
            }

            var partition = PartitionSpec.Parse(partitionName, data, r.GetValue(_shared.Clients), options.Seed, MovieLensData.NamedKeys(directory, data));
            Experiment Build(SimulationOptions o, bool references) => new()
            {
                Title = string.Create(CultureInfo.InvariantCulture, $"MovieLens 100K, fold u{k}, partition {partitionName}"),
                CommandLine = _commandLine,
                Data = data,
                Partition = partition,
                Options = o,
                HostFactory = _shared.HostFactory(r),
                WithReferences = references,
                Anchors = MovieLensData.Anchors,
                Settings = new Dictionary<string, string> { ["model source"] = modelDescription },
            };
            if (r.GetValue(_shared.CompareStrategies) is not null || r.GetValue(_shared.DpSweep) is not null)
            {
                await _shared.RunOrCompareAsync(r, options, Build, folder, cancellationToken).ConfigureAwait(false);
                return 0;
            }

            var experiment = Build(options, true);
            experiment.ValidateRunConfig();
            reports.Add(await ExperimentConsole.RunAsync(experiment, chosen.Length == 1 ? folder : Path.Combine(folder, $"fold-{k}"), chosen.Length == 1 ? r.GetValue(_shared.Summary) : null, cancellationToken).ConfigureAwait(false));
        }

        if (chosen.Length > 1)
        {
            var average = ReportAverager.Average(reports, $"MovieLens 100K, folds u1–u5 averaged, partition {partitionName}", _commandLine);
            AnsiConsole.MarkupLine("[bold]Mean over the folds[/]");
            ConsoleSummary.Print(average);
            AnsiConsole.MarkupLine("Report: {0}", Markup.Escape(Path.GetFullPath(ReportWriter.Write(average, folder))));
            if (r.GetValue(_shared.Summary) is { } summaryPath)
            {
                ExperimentSummary.Write(average, summaryPath);
            }
        }

        return 0;
    }
}
