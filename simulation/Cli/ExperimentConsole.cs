using System.Globalization;
using Federated.Simulation.Engine;
using Federated.Simulation.Reports;
using Spectre.Console;

namespace Federated.Simulation.Cli;

/// <summary>Runs an experiment with a progress display, prints its tables, writes its report folder and summary.</summary>
internal static class ExperimentConsole
{
    public static async Task<ExperimentReport> RunAsync(Experiment experiment, string reportFolder, string? summaryPath, CancellationToken cancellationToken)
    {
        AnsiConsole.MarkupLine(CultureInfo.InvariantCulture, "[bold]{0}[/]: {1} examples, partition {2}, {3} rounds, {4} workers.",
            Markup.Escape(experiment.Data.Name), experiment.Data.Examples.Count, Markup.Escape(experiment.Partition.Description), experiment.Options.Rounds, experiment.Options.Workers);
        AnsiConsole.MarkupLine("Model: {0}", Markup.Escape(ModelDescription.Of(experiment.Data.Spec)));
        ExperimentReport? report = null;
        await AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async context =>
            {
                var tasks = new Dictionary<string, ProgressTask>(StringComparer.Ordinal);
                var gate = new Lock();
                report = await experiment.RunAsync(
                    p =>
                    {
                        lock (gate)
                        {
                            if (!tasks.TryGetValue(p.Phase, out var task))
                            {
                                tasks[p.Phase] = task = context.AddTask(p.Phase == ExperimentSeries.Federated ? "federated rounds" : "local-only + centralised", maxValue: p.Total);
                            }

                            task.Value = Math.Max(task.Value, p.Done);
                        }
                    },
                    cancellationToken).ConfigureAwait(false);
                foreach (var task in tasks.Values)
                {
                    task.Value = task.MaxValue;
                }
            }).ConfigureAwait(false);

        ConsoleSummary.Print(report!);
        AnsiConsole.MarkupLine(CultureInfo.InvariantCulture, "Wall time [bold]{0:F1} s[/], peak memory [bold]{1:F0} MiB[/] ({2}).",
            report!.WallSeconds, report.PeakMemoryBytes / (1024.0 * 1024), Markup.Escape(string.Join(", ", report.Settings.Where(s => s.Key.EndsWith("wall time", StringComparison.Ordinal)).Select(s => $"{s.Key} {s.Value}"))));
        var path = ReportWriter.Write(report, reportFolder);
        AnsiConsole.MarkupLine("Report: [link]{0}[/] (with metrics.csv and SVG plots).", Markup.Escape(Path.GetFullPath(path)));
        if (summaryPath is not null)
        {
            ExperimentSummary.Write(report, summaryPath);
            AnsiConsole.MarkupLine("Summary: {0}", Markup.Escape(Path.GetFullPath(summaryPath)));
        }

        return report;
    }
}
