using System.Globalization;
using Federated.Simulation.Engine;
using Federated.Simulation.Reports;
using Spectre.Console;

namespace Federated.Simulation.Cli;

/// <summary>
/// <c>--compare-strategies a,b,c</c>: the same federation (seed, split, attack, malicious clients) once per strategy,
/// then one clean FedAvg run (no attack, with the local-only and centralised references), each with its own report
/// folder, and the comparison (<see cref="StrategyComparisonReport"/>) beside them.
/// </summary>
/// <remarks>
/// The runs go one after another, never concurrently: experiments running at once in one process are not
/// deterministic today. Every strategy's run config is validated before the first run, so a misspelt name fails at once.
/// </remarks>
internal static class StrategyComparison
{
    /// <summary>Runs the comparison; returns every strategy's report (in the order given) and the clean run's.</summary>
    /// <param name="build">The command's experiment for given options; the flag says whether to train the references.</param>
    /// <param name="options">The options given (attack, malicious clients, everything but the strategy).</param>
    /// <param name="strategies">The strategies to compare.</param>
    /// <param name="folder">The comparison's folder: one sub-folder per run.</param>
    /// <param name="cancellationToken">Cancels the run under way.</param>
    public static async Task<(IReadOnlyList<(string Label, ExperimentReport Report)> Runs, ExperimentReport Clean)> RunAsync(
        Func<SimulationOptions, bool, Experiment> build, SimulationOptions options, IReadOnlyList<StrategySpec> strategies, string folder, CancellationToken cancellationToken)
    {
        var attacked = strategies.Select(s => (Label: s.ToString(), Experiment: build(options with { Strategy = s.Name, StrategyParameters = s.Parameters }, false))).ToList();
        var cleanOptions = options with { Attack = null, Malicious = 0, Strategy = "fedavg", StrategyParameters = new Dictionary<string, double>(StringComparer.Ordinal) };
        var clean = build(cleanOptions, true);
        foreach (var (_, experiment) in attacked)
        {
            experiment.ValidateRunConfig();
        }

        var runs = new List<(string Label, ExperimentReport Report)>();
        foreach (var (label, experiment) in attacked)
        {
            AnsiConsole.MarkupLine("[bold]Strategy {0}[/]", Markup.Escape(label));
            runs.Add((label, await ExperimentConsole.RunAsync(experiment, Path.Combine(folder, FolderName(label)), null, cancellationToken).ConfigureAwait(false)));
        }

        AnsiConsole.MarkupLine("[bold]Clean FedAvg (no attack)[/]");
        var cleanReport = await ExperimentConsole.RunAsync(clean, Path.Combine(folder, "clean-fedavg"), null, cancellationToken).ConfigureAwait(false);
        var attack = runs[0].Report.Settings.TryGetValue("attack", out var name)
            ? $"{name} by {runs[0].Report.Settings["malicious clients"]}"
            : "none";
        var path = StrategyComparisonReport.Write(clean.Title, attack, runs, cleanReport, folder);
        Print(runs, cleanReport, attack);
        AnsiConsole.MarkupLine("Comparison: [link]{0}[/] (with one SVG per task).", Markup.Escape(Path.GetFullPath(path)));
        return (runs, cleanReport);
    }

    /// <summary>A folder name for a strategy label (no ':' '=' ',').</summary>
    internal static string FolderName(string label) => label.Replace(':', '-').Replace('=', '-').Replace(',', '-');

    private static void Print(List<(string Label, ExperimentReport Report)> runs, ExperimentReport clean, string attack)
    {
        // The heading is a line of its own: a table title is wrapped to the table's width, which splits it in a log file.
        AnsiConsole.MarkupLine($"[bold]strategies under attack[/]: {Markup.Escape(attack)}");
        var table = new Table().AddColumns("task", "metric");
        foreach (var (label, _) in runs)
        {
            table.AddColumn(new TableColumn(Markup.Escape(label)).RightAligned());
        }

        table.AddColumn(new TableColumn(StrategyComparisonReport.CleanLabel).RightAligned());
        foreach (var (task, metrics) in clean.TaskMetrics)
        {
            foreach (var metric in metrics)
            {
                var reference = clean.Final(ExperimentSeries.Federated, task, metric);
                var row = new List<string> { Markup.Escape(task), metric };
                foreach (var (_, report) in runs)
                {
                    var value = report.Final(ExperimentSeries.Federated, task, metric);
                    var gap = StrategyComparisonReport.Gap(metric, value, reference);
                    row.Add(string.Create(CultureInfo.InvariantCulture, $"{value:F4} ({gap * 100:+0.0;-0.0;0.0} %)"));
                }

                row.Add(reference.ToString("F4", CultureInfo.InvariantCulture));
                table.AddRow([.. row]);
            }
        }

        AnsiConsole.Write(table);
    }
}
