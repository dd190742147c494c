using System.Globalization;
using System.Text;
using Federated.Simulation.Engine;
using Federated.Simulation.Tuning;
using Spectre.Console;

namespace Federated.Simulation.Cli;

/// <summary>Prints the trials of <c>simulation tune</c> and turns the winner into an options file.</summary>
internal static class TuneConsole
{
    /// <summary>One line per finished trial, as the search goes.</summary>
    public static void PrintTrial(TrialResult result)
    {
        if (result.DivergedRound is { } diverged)
        {
            AnsiConsole.MarkupLine(CultureInfo.InvariantCulture, "  trial {0,2} rung {1} ({2} rounds): {3} → diverged in round {4}{5}",
                result.Trial, result.Rung, result.Rounds, Markup.Escape(result.Settings.ToString()), diverged, result.Reused ? ", reused" : "");
            return;
        }

        AnsiConsole.MarkupLine(CultureInfo.InvariantCulture, "  trial {0,2} rung {1} ({2} rounds): {3} → validation {4} (round {5}, stopped at {6}){7}",
            result.Trial, result.Rung, result.Rounds, Markup.Escape(result.Settings.ToString()), Format(result.Score), result.BestRound, result.LastRound,
            result.Reused ? ", reused: it had stopped early before" : "");
    }

    /// <summary>Prints the table of trials and the best settings; returns them as an options file.</summary>
    public static OptionsFile Print(IReadOnlyList<TrialResult> results, ValidationSelection selection)
    {
        var table = new Table().AddColumns("trial", "rung", "rounds", "learning rate", "l2", "local epochs", "batch", "dim", "trunk", $"validation {selection}", "best round", "last round");
        foreach (var r in results)
        {
            table.AddRow([.. Row(r).Select(Markup.Escape)]);
        }

        AnsiConsole.Write(table);
        var winner = results[^1];
        if (winner.DivergedRound is not null)
        {
            // Every trial of the last rung diverged: there is nothing to recommend, and writing its settings would be a lie.
            throw new SimulationRunFailedException("every trial of the last rung diverged: no settings to recommend; the search's learning rates are too high for this model");
        }

        AnsiConsole.MarkupLine(CultureInfo.InvariantCulture, "[bold]Best[/]: trial {0}, {1}; validation {2} {3} at round {4} of {5}.",
            winner.Trial, Markup.Escape(winner.Settings.ToString()), selection, Format(winner.Score), winner.BestRound, winner.Rounds);
        return Best(results);
    }

    /// <summary>The winner (the last result) as an options file: its settings and its best round as the round budget.</summary>
    public static OptionsFile Best(IReadOnlyList<TrialResult> results)
    {
        var winner = results[^1];
        return new OptionsFile
        {
            Rounds = winner.BestRound > 0 ? winner.BestRound : winner.Rounds,
            LocalEpochs = winner.Settings.LocalEpochs,
            BatchSize = winner.Settings.BatchSize,
            LearningRate = winner.Settings.LearningRate,
            L2 = winner.Settings.L2,
            Dim = winner.Settings.Dim,
            Hidden = winner.Settings.Hidden,
        };
    }

    /// <summary>The table of trials as Markdown, with the command that made it.</summary>
    public static string Markdown(IReadOnlyList<TrialResult> results, ValidationSelection selection, string commandLine)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"```\n{commandLine}\n```\n\n| trial | rung | rounds | learning rate | l2 | local epochs | batch | dim | trunk | validation {selection} | best round | last round |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        foreach (var r in results)
        {
            text.Append("| ").Append(string.Join(" | ", Row(r))).Append(" |\n");
        }

        return text.ToString();
    }

    private static string[] Row(TrialResult r)
    {
        var c = CultureInfo.InvariantCulture;
        return
        [
            r.Trial.ToString(c), r.Rung.ToString(c), r.Rounds.ToString(c), r.Settings.LearningRate.ToString("G3", c), r.Settings.L2.ToString("G3", c),
            r.Settings.LocalEpochs.ToString(c), r.Settings.BatchSize.ToString(c), r.Settings.Dim?.ToString(c) ?? "model's", r.Settings.HiddenText,
            r.DivergedRound is { } d ? string.Create(c, $"diverged in round {d}") : Format(r.Score), r.BestRound.ToString(c), r.LastRound.ToString(c) + (r.Reused ? " (reused)" : ""),
        ];
    }

    private static string Format(double value) => double.IsFinite(value) ? value.ToString("F4", CultureInfo.InvariantCulture) : "–";
}
