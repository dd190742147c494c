using System.Globalization;
using System.Text;
using CsvHelper;
using ScottPlot;

namespace Federated.Simulation.Reports;

/// <summary>
/// Writes a report folder: <c>report.md</c> (settings, a table per task with the three series and any anchors, a
/// per-client table of the headline metric), <c>metrics.csv</c> (every figure: series, round, client, task, metric,
/// value) and one SVG learning curve per task and metric with the references beside it (a curve when the report has
/// one per round, else a horizontal line at the final figure).
/// </summary>
public static class ReportWriter
{
    /// <summary>Writes the folder (created if needed) and returns the path of <c>report.md</c>.</summary>
    public static string Write(ExperimentReport report, string folder)
    {
        ArgumentNullException.ThrowIfNull(report);
        Directory.CreateDirectory(folder);
        WriteCsv(report, Path.Combine(folder, "metrics.csv"));
        var plots = WritePlots(report, folder);
        var path = Path.Combine(folder, "report.md");
        File.WriteAllText(path, Markdown(report, plots));
        return path;
    }

    /// <summary>The Markdown text of the report.</summary>
    public static string Markdown(ExperimentReport report, IReadOnlyList<string>? plots = null)
    {
        ArgumentNullException.ThrowIfNull(report);
        var text = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        text.Append(c, $"# {report.Title}\n\n");
        text.Append(c, $"```\n{report.CommandLine}\n```\n\n");
        text.Append("| setting | value |\n|---|---|\n");
        text.Append(c, $"| seed | {report.Seed} |\n| partitioner | {report.Partitioner} |\n| clients | {report.Clients} |\n| rounds | {report.Rounds} |\n");
        foreach (var (key, value) in report.Settings)
        {
            text.Append(c, $"| {key} | {value.Replace("|", "\\|", StringComparison.Ordinal)} |\n");
        }

        text.Append(c, $"| wall time | {report.WallSeconds:F1} s |\n| peak memory | {report.PeakMemoryBytes / (1024.0 * 1024):F0} MiB |\n\n");
        if (report.Selection.Count == 0)
        {
            text.Append("## Final figures per task\n\nFederated after the last round; local-only and centralised are references trained on the same split with the same budget.\n\n");
        }
        else
        {
            text.Append("## Final figures per task\n\nEach series' best version by its own validation rows, evaluated on the test rows; local-only and centralised are references trained on the same split with their own budget.\n\n| series | winning version |\n|---|---|\n");
            foreach (var (series, won) in report.Selection)
            {
                text.Append(c, $"| {series.Replace('_', '-')} | {won} |\n");
            }

            text.Append('\n');
        }

        foreach (var (task, metrics) in report.TaskMetrics)
        {
            report.Anchors.TryGetValue(task, out var anchors);
            text.Append(c, $"### {task}\n\n| metric | federated | local-only | centralised |");
            foreach (var label in anchors?.Keys ?? [])
            {
                text.Append(c, $" {label} |");
            }

            text.Append("\n|---|---|---|---|");
            text.Append(string.Concat(Enumerable.Repeat("---|", anchors?.Count ?? 0)));
            text.Append('\n');
            foreach (var metric in metrics)
            {
                text.Append(c, $"| {metric} | {Format(report.Final(ExperimentSeries.Federated, task, metric))} | {Format(report.Final(ExperimentSeries.LocalOnly, task, metric))} | {Format(report.Final(ExperimentSeries.Centralised, task, metric))} |");
                foreach (var anchor in anchors?.Values ?? [])
                {
                    text.Append(c, $" {(anchor.TryGetValue(metric, out var v) ? Format(v) : "")} |");
                }

                text.Append('\n');
            }

            text.Append('\n');
        }

        var clients = report.ClientNames();
        if (clients.Count > 0)
        {
            text.Append("## Per client: does federation help it?\n\nThe headline metric of each task on the client's own test data, federated model against the client alone.\n\n| client |");
            foreach (var (task, metrics) in report.TaskMetrics)
            {
                text.Append(c, $" {task} {metrics[0]} federated | local-only |");
            }

            text.Append("\n|---|");
            text.Append(string.Concat(Enumerable.Repeat("---|---|", report.TaskMetrics.Count)));
            text.Append('\n');
            foreach (var client in clients.Take(50))
            {
                text.Append(c, $"| {client} |");
                foreach (var (task, metrics) in report.TaskMetrics)
                {
                    text.Append(c, $" {Format(report.Final(ExperimentSeries.Federated, task, metrics[0], client))} | {Format(report.Final(ExperimentSeries.LocalOnly, task, metrics[0], client))} |");
                }

                text.Append('\n');
            }

            if (clients.Count > 50)
            {
                text.Append(c, $"\n({clients.Count - 50} more clients in metrics.csv.)\n");
            }

            text.Append('\n');
        }

        if (plots is { Count: > 0 })
        {
            text.Append("## Learning curves\n\n");
            foreach (var plot in plots)
            {
                text.Append(c, $"![{Path.GetFileNameWithoutExtension(plot)}]({plot})\n\n");
            }
        }

        return text.ToString();
    }

    private static void WriteCsv(ExperimentReport report, string path)
    {
        using var writer = new StreamWriter(path);
        using var csv = CsvWriter.Create(writer, null, false);
        csv.WriteHeader(["series", "round", "client", "task", "metric", "value"]);
        foreach (var p in report.Points)
        {
            csv.WriteRecord([p.Series, p.Round.ToString(CultureInfo.InvariantCulture), p.Client, p.Task, p.Metric, p.Value.ToString("R", CultureInfo.InvariantCulture)]);
        }
    }

    private static List<string> WritePlots(ExperimentReport report, string folder)
    {
        var files = new List<string>();
        foreach (var (task, metrics) in report.TaskMetrics)
        {
            foreach (var metric in metrics)
            {
                var curve = report.Points
                    .Where(p => p.Series == ExperimentSeries.Federated && p.Task == task && p.Metric == metric && p.Client == MetricPoint.AllClients)
                    .OrderBy(p => p.Round)
                    .ToList();
                if (curve.Count == 0)
                {
                    continue;
                }

                // References are told apart by colour, not dashes: Skia's SVG backend has no path effects and prints a
                // warning to standard output for each dashed line.
                var plot = new Plot();
                var line = plot.Add.Scatter(curve.Select(p => (double)p.Round).ToArray(), curve.Select(p => p.Value).ToArray());
                line.LegendText = "federated";
                foreach (var (series, color) in new[] { (ExperimentSeries.LocalOnly, Colors.OrangeRed), (ExperimentSeries.Centralised, Colors.ForestGreen) })
                {
                    var referenceCurve = report.Points
                        .Where(p => p.Series == series && p.Task == task && p.Metric == metric && p.Client == MetricPoint.AllClients)
                        .OrderBy(p => p.Round)
                        .ToList();
                    var value = report.Final(series, task, metric);
                    if (referenceCurve.Count > 1)
                    {
                        // A reference with a learning curve (the centralised model, round = passes / local epochs).
                        var curveLine = plot.Add.Scatter(referenceCurve.Select(p => (double)p.Round).ToArray(), referenceCurve.Select(p => p.Value).ToArray());
                        curveLine.Color = color;
                        curveLine.MarkerSize = 0;
                        curveLine.LegendText = series.Replace('_', '-');
                    }
                    else if (double.IsFinite(value))
                    {
                        var reference = plot.Add.HorizontalLine(value);
                        reference.Color = color;
                        reference.LegendText = series.Replace('_', '-');
                    }
                }

                files.Add(SaveCurves(plot, folder, $"{task}: {metric}", metric, $"{task}-{metric}"));
            }
        }

        return files;
    }

    /// <summary>
    /// Finishes a plot of metric curves the way every report draws them (x: whole rounds, y: the metric fitted to the
    /// rounds that matter (<see cref="CurveScale"/>), the legend beside the data rather than over it, 760 × 420) and
    /// saves it as <c>STEM.svg</c> in <paramref name="folder"/> (an <c>@</c> of a metric name such as <c>ndcg@10</c>
    /// becomes <c>_</c>); returns the file's name.
    /// </summary>
    internal static string SaveCurves(Plot plot, string folder, string title, string metric, string stem)
    {
        plot.Title(title);
        var note = CurveScale.Fit(plot);
        plot.XLabel(note is null ? "round" : $"round ({note})");
        plot.YLabel(metric);
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        plot.ShowLegend(Edge.Right);
        var name = $"{stem}.svg".Replace('@', '_');
        plot.SaveSvg(Path.Combine(folder, name), 760, 420);
        return name;
    }

    private static string Format(double value) => double.IsFinite(value) ? value.ToString("F4", CultureInfo.InvariantCulture) : "–";
}
