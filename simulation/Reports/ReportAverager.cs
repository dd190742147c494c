using System.Globalization;

namespace Federated.Simulation.Reports;

/// <summary>Averages reports of the same experiment on different folds: every figure is the mean over the reports that have it.</summary>
public static class ReportAverager
{
    /// <summary>One report whose points are the per-(series, round, client, task, metric) means; wall time and peak memory are the total and the maximum.</summary>
    public static ExperimentReport Average(IReadOnlyList<ExperimentReport> reports, string title, string commandLine)
    {
        ArgumentOutOfRangeException.ThrowIfZero(reports.Count);
        var first = reports[0];
        var settings = new Dictionary<string, string>(first.Settings, StringComparer.Ordinal)
        {
            ["folds averaged"] = reports.Count.ToString(CultureInfo.InvariantCulture),
        };
        settings.Remove("data");
        var average = new ExperimentReport
        {
            Title = title,
            CommandLine = commandLine,
            Seed = first.Seed,
            Partitioner = first.Partitioner,
            Clients = first.Clients,
            Rounds = first.Rounds,
            Settings = settings,
            TaskMetrics = first.TaskMetrics,
            Anchors = first.Anchors,
            WallSeconds = reports.Sum(r => r.WallSeconds),
            PeakMemoryBytes = reports.Max(r => r.PeakMemoryBytes),
        };
        average.Points.AddRange(reports.SelectMany(r => r.Points)
            .GroupBy(p => (p.Series, p.Round, p.Client, p.Task, p.Metric))
            .Select(g => new MetricPoint(g.Key.Series, g.Key.Round, g.Key.Client, g.Key.Task, g.Key.Metric, g.Average(p => p.Value))));

        // Chosen on validation, each fold's best version may come from a different round: the mean of the reported
        // figures is the mean of each fold's chosen figure, not a figure of any one round.
        foreach (var key in reports.SelectMany(r => r.Selected.Keys).Distinct())
        {
            var values = reports.Select(r => r.Final(key.Series, key.Task, key.Metric, key.Client)).Where(double.IsFinite).ToArray();
            if (values.Length > 0)
            {
                average.Selected[key] = values.Average();
            }
        }

        foreach (var series in reports.SelectMany(r => r.Selection.Keys).Distinct())
        {
            average.Selection[series] = string.Join("; ", reports.Select((r, k) => string.Create(CultureInfo.InvariantCulture, $"fold {k + 1}: {(r.Selection.TryGetValue(series, out var won) ? won : "–")}")));
        }

        return average;
    }
}
