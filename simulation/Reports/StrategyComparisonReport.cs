using System.Globalization;
using System.Text;
using ScottPlot;

namespace Federated.Simulation.Reports;

/// <summary>
/// The strategies of a <c>--compare-strategies</c> run side by side: the same federation (seed, attack, malicious
/// clients) once per strategy, and one clean FedAvg run (no attack) beside them. Writes <c>comparison.md</c>, a table
/// of every task's final figures per strategy with its gap to the clean run, and one SVG per task of every strategy's
/// learning curve of the task's headline metric.
/// </summary>
public static class StrategyComparisonReport
{
    /// <summary>The column of the clean run.</summary>
    public const string CleanLabel = "clean fedavg";

    /// <summary>
    /// The relative gap of <paramref name="value"/> to <paramref name="clean"/>: for AUC the lift over 0.5 (an AUC of
    /// 0.5 is no better than chance, so (v − 0.5) / (clean − 0.5) − 1), otherwise v / clean − 1; NaN when undefined.
    /// </summary>
    public static double Gap(string metric, double value, double clean) => metric == "auc"
        ? (value - 0.5) / (clean - 0.5) - 1
        : value / clean - 1;

    /// <summary>Writes <c>comparison.md</c> and the plots into <paramref name="folder"/>; returns the Markdown file's path.</summary>
    /// <param name="title">A title, e.g. the experiment's.</param>
    /// <param name="attack">The attack and its malicious clients, as the reports describe them.</param>
    /// <param name="runs">Per strategy (its label, e.g. <c>trimmed-mean:beta=0.2</c>) its report, in the order run.</param>
    /// <param name="clean">The clean FedAvg run.</param>
    /// <param name="folder">Where to write (created if needed).</param>
    public static string Write(string title, string attack, IReadOnlyList<(string Label, ExperimentReport Report)> runs, ExperimentReport clean, string folder)
    {
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentNullException.ThrowIfNull(clean);
        Directory.CreateDirectory(folder);
        var plots = WritePlots(runs, clean, folder);
        var path = Path.Combine(folder, "comparison.md");
        File.WriteAllText(path, Markdown(title, attack, runs, clean, plots));
        return path;
    }

    /// <summary>The Markdown text: settings, the table, the plots.</summary>
    public static string Markdown(string title, string attack, IReadOnlyList<(string Label, ExperimentReport Report)> runs, ExperimentReport clean, IReadOnlyList<string>? plots = null)
    {
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentNullException.ThrowIfNull(clean);
        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.Append(c, $"# Strategies compared: {title}\n\n```\n{clean.CommandLine}\n```\n\n");
        text.Append(c, $"Attack: {attack}. Seed {clean.Seed}, {clean.Clients} clients, {clean.Rounds} rounds. ");
        text.Append("Final figures of the federated model on every client's test rows; in brackets the gap to the clean FedAvg run (no attack) ");
        text.Append("relative to it (for AUC, of the lift over 0.5).\n\n");
        text.Append("| task | metric |");
        foreach (var (label, _) in runs)
        {
            text.Append(c, $" {label} |");
        }

        text.Append(c, $" {CleanLabel} |\n|---|---|{string.Concat(Enumerable.Repeat("---|", runs.Count + 1))}\n");
        foreach (var (task, metrics) in clean.TaskMetrics)
        {
            foreach (var metric in metrics)
            {
                var reference = clean.Final(ExperimentSeries.Federated, task, metric);
                text.Append(c, $"| {task} | {metric} |");
                foreach (var (_, report) in runs)
                {
                    var value = report.Final(ExperimentSeries.Federated, task, metric);
                    var gap = Gap(metric, value, reference);
                    text.Append(c, $" {Format(value)}{(double.IsFinite(gap) ? $" ({gap * 100:+0.0;−0.0;0.0} %)" : "")} |");
                }

                text.Append(c, $" {Format(reference)} |\n");
            }
        }

        text.Append('\n');
        foreach (var plot in plots ?? [])
        {
            text.Append(c, $"![{Path.GetFileNameWithoutExtension(plot)}]({plot})\n\n");
        }

        return text.ToString();
    }

    private static List<string> WritePlots(IReadOnlyList<(string Label, ExperimentReport Report)> runs, ExperimentReport clean, string folder)
    {
        var files = new List<string>();
        foreach (var (task, metrics) in clean.TaskMetrics)
        {
            var metric = metrics[0];
            var plot = new Plot();
            foreach (var (label, report) in runs)
            {
                AddCurve(plot, report, task, metric, label);
            }

            // The clean run in black, so it stands apart from the palette's strategy colours.
            if (AddCurve(plot, clean, task, metric, CleanLabel) is { } reference)
            {
                reference.Color = Colors.Black;
            }

            files.Add(ReportWriter.SaveCurves(plot, folder, $"{task}: {metric} per strategy", metric, $"comparison-{task}-{metric}"));
        }

        return files;
    }

    private static ScottPlot.Plottables.Scatter? AddCurve(Plot plot, ExperimentReport report, string task, string metric, string label)
    {
        var curve = report.Points
            .Where(p => p.Series == ExperimentSeries.Federated && p.Task == task && p.Metric == metric && p.Client == MetricPoint.AllClients)
            .OrderBy(p => p.Round)
            .ToList();
        if (curve.Count == 0)
        {
            return null;
        }

        var line = plot.Add.Scatter(curve.Select(p => (double)p.Round).ToArray(), curve.Select(p => p.Value).ToArray());
        line.LegendText = label;
        return line;
    }

    private static string Format(double value) => double.IsFinite(value) ? value.ToString("F4", CultureInfo.InvariantCulture) : "–";
}
