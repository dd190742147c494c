using System.Globalization;
using System.Text;
using ScottPlot;

namespace Federated.Simulation.Reports;

/// <summary>
/// The privacy–utility trade-off of a <c>--dp-sweep</c>: the same federation once per noise multiplier z, and once without
/// privacy. Writes <c>privacy-utility.md</c> (per z: ε at δ after the run's rounds and every task's final figures) and one
/// SVG per task of the headline metric against ε, the run without privacy as a horizontal line.
/// </summary>
public static class PrivacySweepReport
{
    /// <summary>One private run of the sweep.</summary>
    /// <param name="NoiseMultiplier">z.</param>
    /// <param name="Epsilon">ε of all its rounds at <see cref="Write"/>'s δ.</param>
    /// <param name="Report">Its report.</param>
    public sealed record Run(double NoiseMultiplier, double Epsilon, ExperimentReport Report);

    /// <summary>Writes <c>privacy-utility.md</c> and the plots into <paramref name="folder"/>; returns the Markdown file's path.</summary>
    /// <param name="title">The experiment's title.</param>
    /// <param name="privacy">The settings common to every private run (clip, δ, q), as the reports describe them.</param>
    /// <param name="delta">δ of every ε.</param>
    /// <param name="runs">The private runs, in the order of the sweep.</param>
    /// <param name="plain">The run without privacy (same clients per round).</param>
    /// <param name="folder">Where to write (created if needed).</param>
    public static string Write(string title, string privacy, double delta, IReadOnlyList<Run> runs, ExperimentReport plain, string folder)
    {
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentNullException.ThrowIfNull(plain);
        Directory.CreateDirectory(folder);
        var plots = WritePlots(runs, plain, folder);
        var path = Path.Combine(folder, "privacy-utility.md");
        File.WriteAllText(path, Markdown(title, privacy, delta, runs, plain, plots));
        return path;
    }

    /// <summary>The Markdown text: settings, one row per z (most noise first as given) and the run without privacy, the plots.</summary>
    public static string Markdown(string title, string privacy, double delta, IReadOnlyList<Run> runs, ExperimentReport plain, IReadOnlyList<string>? plots = null)
    {
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentNullException.ThrowIfNull(plain);
        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.Append(c, $"# Privacy and utility: {title}\n\n```\n{plain.CommandLine}\n```\n\n");
        text.Append(c, $"{privacy}. Seed {plain.Seed}, {plain.Clients} clients, {plain.Rounds} rounds. ε at δ = {delta:G4} for all the rounds, ");
        text.Append("the privacy unit being one client; final figures of the federated model on every client's test rows. ");
        text.Append("The last row is the same federation without privacy (no clipping, no noise, the same number of clients per round).\n\n");
        text.Append("| z | ε |");
        var columns = plain.TaskMetrics.SelectMany(t => t.Value.Select(m => (Task: t.Key, Metric: m))).ToList();
        foreach (var (task, metric) in columns)
        {
            text.Append(c, $" {task} {metric} |");
        }

        text.Append(c, $"\n|---|---|{string.Concat(Enumerable.Repeat("---|", columns.Count))}\n");
        foreach (var run in runs)
        {
            text.Append(c, $"| {run.NoiseMultiplier:G6} | {FormatEpsilon(run.Epsilon)} |");
            foreach (var (task, metric) in columns)
            {
                text.Append(c, $" {Format(run.Report.Final(ExperimentSeries.Federated, task, metric))} |");
            }

            text.Append('\n');
        }

        text.Append("| no privacy | ∞ |");
        foreach (var (task, metric) in columns)
        {
            text.Append(c, $" {Format(plain.Final(ExperimentSeries.Federated, task, metric))} |");
        }

        text.Append("\n\n");
        foreach (var plot in plots ?? [])
        {
            text.Append(c, $"![{Path.GetFileNameWithoutExtension(plot)}]({plot})\n\n");
        }

        return text.ToString();
    }

    private static List<string> WritePlots(IReadOnlyList<Run> runs, ExperimentReport plain, string folder)
    {
        var files = new List<string>();
        var finite = runs.Where(r => double.IsFinite(r.Epsilon) && r.Epsilon > 0).OrderBy(r => r.Epsilon).ToList();
        if (finite.Count == 0)
        {
            return files;
        }

        foreach (var (task, metrics) in plain.TaskMetrics)
        {
            var metric = metrics[0];
            var plot = new Plot();
            var points = plot.Add.Scatter(finite.Select(r => r.Epsilon).ToArray(), finite.Select(r => r.Report.Final(ExperimentSeries.Federated, task, metric)).ToArray());
            points.LegendText = "DP-FedAvg";
            var without = plain.Final(ExperimentSeries.Federated, task, metric);
            if (double.IsFinite(without))
            {
                var line = plot.Add.HorizontalLine(without);
                line.LegendText = "no privacy";
                line.Color = Colors.Black;
                line.LinePattern = LinePattern.Dashed;
            }

            plot.Title($"{task}: {metric} against ε");
            plot.XLabel("ε (δ fixed), all rounds");
            plot.YLabel(metric);
            plot.ShowLegend(Edge.Right);
            var name = $"privacy-{task}-{metric}.svg".Replace('@', '_');
            plot.SaveSvg(Path.Combine(folder, name), 760, 420);
            files.Add(name);
        }

        return files;
    }

    private static string FormatEpsilon(double epsilon) => double.IsFinite(epsilon) ? epsilon.ToString("0.00", CultureInfo.InvariantCulture) : "∞";

    private static string Format(double value) => double.IsFinite(value) ? value.ToString("F4", CultureInfo.InvariantCulture) : "–";
}
