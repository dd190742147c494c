using System.CommandLine;
using Federated.Simulation.Engine;

namespace Federated.Simulation.Cli;

/// <summary>
/// <c>simulation tune</c>: its options and their checks; the search itself is <see cref="MovieLensTuning"/>'s.
/// </summary>
internal sealed class TuneCommand
{
    private readonly SharedOptions _shared;
    private readonly MovieLensOptions _movieLens;
    private readonly string _commandLine;
    private readonly Option<int> _trials = new("--trials") { Description = "Random settings drawn (successive halving keeps the best third at each rung)", DefaultValueFactory = _ => 9 };
    private readonly Option<int> _budget = new("--budget") { Description = "Federated rounds of the last rung; earlier rungs get a third, a ninth, … (a trial also stops after --patience rounds without validation improvement, default 3 here)", DefaultValueFactory = _ => 54 };
    private readonly Option<string?> _out = new("--out") { Description = "Write the best settings as an options file (--options FILE of movielens and the default command)" };
    private readonly Option<string?> _report = new("--report") { Description = "Also write the table of trials as Markdown to this path" };

    private TuneCommand(SharedOptions shared, MovieLensOptions movieLens, string commandLine)
    {
        _shared = shared;
        _movieLens = movieLens;
        _commandLine = commandLine;
    }

    /// <summary>The command with the few shared options it takes and its own; <paramref name="commandLine"/> goes into the table.</summary>
    public static Command Create(SharedOptions shared, MovieLensOptions movieLens, string commandLine)
    {
        var handler = new TuneCommand(shared, movieLens, commandLine);
        var command = new Command("tune", "Random search with successive halving over learning rate, L2, local epochs, batch, dim and trunk widths on MovieLens 100K, "
            + "federated series only, scored on validation rows (never test).");
        foreach (var option in new Option[] { shared.Seed, shared.Workers, movieLens.Path, movieLens.Fold, movieLens.Partition, shared.Clients, shared.ModelFilePath, shared.ValidationFraction, shared.SelectBy, shared.Patience, handler._trials, handler._budget, handler._out, handler._report })
        {
            command.Options.Add(option);
        }

        command.SetAction(handler.RunAsync);
        return command;
    }

    private async Task<int> RunAsync(ParseResult r, CancellationToken cancellationToken)
    {
        // Checked before anything loads: a search scored on test rows would leak them into the model's choice.
        if (r.GetValue(_shared.ValidationFraction) is not (> 0 and < 1))
        {
            throw new ArgumentException("tune scores trials on validation rows only: give --validation-fraction in (0, 1), e.g. 0.1");
        }

        if (r.GetValue(_trials) < 1 || r.GetValue(_budget) < 1)
        {
            throw new ArgumentException("--trials and --budget must be ≥ 1");
        }

        if (r.GetValue(_shared.Patience) is { } stall and < 1)
        {
            throw new ArgumentException($"--patience {stall}: must be ≥ 1 round");
        }

        if (r.GetValue(_shared.Workers) is var workers and < 1)
        {
            throw new ArgumentException(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"--workers {workers}: must be ≥ 1"));
        }

        OutputPaths.CheckFile(r.GetValue(_out), "--out");
        OutputPaths.CheckFile(r.GetValue(_report), "--report");
        var (baseModel, _) = _movieLens.Model(r);
        await new MovieLensTuning
        {
            Directory = r.GetValue(_movieLens.Path)!,
            Fold = r.GetValue(_movieLens.Fold),
            Partition = r.GetValue(_movieLens.Partition)!,
            Clients = r.GetValue(_shared.Clients),
            Model = baseModel.Spec,
            Shaped = r.GetValue(_shared.ModelFilePath) is null,
            Seed = r.GetValue(_shared.Seed),
            Workers = r.GetValue(_shared.Workers),
            ValidationFraction = r.GetValue(_shared.ValidationFraction)!.Value,
            Selection = r.GetValue(_shared.SelectBy) is { } text ? ValidationSelection.Parse(text, baseModel.Spec) : ValidationSelection.Default(baseModel.Spec),
            Patience = r.GetValue(_shared.Patience) ?? 3,
            Trials = r.GetValue(_trials),
            Budget = r.GetValue(_budget),
            CommandLine = _commandLine,
        }.RunAsync(r.GetValue(_out), r.GetValue(_report), cancellationToken).ConfigureAwait(false);
        return 0;
    }
}
