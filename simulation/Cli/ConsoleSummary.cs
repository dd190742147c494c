using System.Globalization;
using Federated.Simulation.Reports;
using Spectre.Console;

namespace Federated.Simulation.Cli;

/// <summary>Prints a report's headline tables: per task the three series (and anchors), and per client whether federation helps it.</summary>
internal static class ConsoleSummary
{
    private const int MaxClientRows = 25;

    public static void Print(ExperimentReport report)
    {
        if (report.Settings.TryGetValue("attack", out var attack))
        {
            AnsiConsole.MarkupLine("Attack [bold]{0}[/] by the malicious clients {1}.", Markup.Escape(attack), Markup.Escape(report.Settings["malicious clients"]));
        }

        if (report.Settings.TryGetValue("privacy", out var privacy))
        {
            AnsiConsole.MarkupLine("Privacy: {0}.", Markup.Escape(privacy));
            AnsiConsole.MarkupLine("Spent: [bold]{0}[/].", Markup.Escape(report.Settings.TryGetValue("privacy spent", out var spent) ? spent : "not known (no ledger stored)"));
        }

        if (report.Settings.TryGetValue("ensemble", out var ensemble))
        {
            // The federated column is the ensemble's: say so, and what each member reached alone, next to it.
            AnsiConsole.MarkupLine("Ensemble: {0}.", Markup.Escape(ensemble));
            AnsiConsole.MarkupLine("Each member federation alone at {0}.", Markup.Escape(report.Settings["ensemble members alone"]));
        }

        foreach (var (series, won) in report.Selection)
        {
            AnsiConsole.MarkupLine("Best version of [bold]{0}[/] by validation: {1}.", Markup.Escape(series.Replace('_', '-')), Markup.Escape(won));
        }

        foreach (var (task, metrics) in report.TaskMetrics)
        {
            report.Anchors.TryGetValue(task, out var anchors);
            // The heading is a line of its own: a table title is wrapped to the table's width (long task names).
            AnsiConsole.MarkupLine($"[bold]{Markup.Escape(task)}[/] (test rows of all clients)");
            var table = new Table().AddColumns("metric", "federated", "local-only", "centralised");
            foreach (var label in anchors?.Keys ?? [])
            {
                table.AddColumn(new TableColumn(Markup.Escape(label)).RightAligned());
            }

            foreach (var metric in metrics)
            {
                var row = new List<string>
                {
                    metric,
                    Format(report.Final(ExperimentSeries.Federated, task, metric)),
                    Format(report.Final(ExperimentSeries.LocalOnly, task, metric)),
                    Format(report.Final(ExperimentSeries.Centralised, task, metric)),
                };
                row.AddRange((anchors?.Values ?? []).Select(a => a.TryGetValue(metric, out var v) ? Format(v) : ""));
                table.AddRow([.. row]);
            }

            AnsiConsole.Write(table);
        }

        var clients = report.ClientNames();
        if (clients.Count == 0)
        {
            return;
        }

        // The legend is a line of its own: a table title wraps to the table's width.
        AnsiConsole.MarkupLine("[bold]per client[/]: headline metric on its own test rows, federated (▲ [green]better[/] / ▼ [red]worse[/] than alone) | alone");
        var perClient = new Table().AddColumn("client");
        foreach (var (task, metrics) in report.TaskMetrics)
        {
            perClient.AddColumn(new TableColumn($"{Markup.Escape(task)} {metrics[0]}").RightAligned());
        }

        var helped = report.TaskMetrics.Keys.ToDictionary(t => t, _ => (Yes: 0, Of: 0), StringComparer.Ordinal);
        foreach (var client in clients)
        {
            var row = new List<string> { Markup.Escape(client) };
            foreach (var (task, metrics) in report.TaskMetrics)
            {
                var metric = metrics[0];
                var federated = report.Final(ExperimentSeries.Federated, task, metric, client);
                var alone = report.Final(ExperimentSeries.LocalOnly, task, metric, client);
                var better = HigherIsBetter(metric) ? federated > alone : federated < alone;
                if (double.IsFinite(federated) && double.IsFinite(alone))
                {
                    helped[task] = (helped[task].Yes + (better ? 1 : 0), helped[task].Of + 1);
                }

                var color = !double.IsFinite(federated) || !double.IsFinite(alone) ? "default" : better ? "green" : "red";
                // The mark says it without colour (files, pipes, colour-blind readers); the colour repeats it.
                var mark = color == "default" ? " " : better ? "▲" : "▼";
                row.Add($"[{color}]{Format(federated)} {mark}[/] | {Format(alone)}");
            }

            if (perClient.Rows.Count < MaxClientRows)
            {
                perClient.AddRow([.. row]);
            }
        }

        AnsiConsole.Write(perClient);
        if (clients.Count > MaxClientRows)
        {
            AnsiConsole.MarkupLine(CultureInfo.InvariantCulture, "[grey]({0} more clients in metrics.csv)[/]", clients.Count - MaxClientRows);
        }

        foreach (var (task, (yes, of)) in helped)
        {
            AnsiConsole.MarkupLine(CultureInfo.InvariantCulture, "Federation helps [bold]{0}[/] of {1} clients on {2} {3}.", yes, of, Markup.Escape(task), report.TaskMetrics[task][0]);
        }
    }

    /// <summary>Whether a larger value of the metric is better.</summary>
    public static bool HigherIsBetter(string metric) => metric is "auc" || metric.StartsWith("hr@", StringComparison.Ordinal) || metric.StartsWith("ndcg@", StringComparison.Ordinal);

    private static string Format(double value) => double.IsFinite(value) ? value.ToString("F4", CultureInfo.InvariantCulture) : "–";
}
