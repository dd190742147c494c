using System.Text.Json;
using System.Text.Json.Nodes;

namespace Federated.Simulation.Reports;

/// <summary>
/// The machine-readable summary (<c>--summary PATH</c>): one JSON object with the command line, seed, partitioner,
/// clients, rounds, wall seconds, peak memory, and per task the final figures under <c>federated</c>,
/// <c>local_only</c> and <c>centralised</c>, so scripts can compare results across commits.
/// </summary>
public static class ExperimentSummary
{
    /// <summary>The summary as a JSON object.</summary>
    public static JsonObject ToJson(ExperimentReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var tasks = new JsonObject();
        foreach (var (task, metrics) in report.TaskMetrics)
        {
            var perSeries = new JsonObject();
            foreach (var series in ExperimentSeries.All)
            {
                var figures = new JsonObject();
                foreach (var metric in metrics)
                {
                    var value = report.Final(series, task, metric);
                    if (double.IsFinite(value))
                    {
                        figures[metric] = Math.Round(value, 6);
                    }
                }

                perSeries[series] = figures;
            }

            tasks[task] = perSeries;
        }

        return new JsonObject
        {
            ["command"] = report.CommandLine,
            ["seed"] = report.Seed,
            ["partitioner"] = report.Partitioner,
            ["clients"] = report.Clients,
            ["rounds"] = report.Rounds,
            ["wall_seconds"] = Math.Round(report.WallSeconds, 2),
            ["peak_memory_bytes"] = report.PeakMemoryBytes,
            ["tasks"] = tasks,
        };
    }

    /// <summary>Writes the summary to <paramref name="path"/>.</summary>
    public static void Write(ExperimentReport report, string path)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        File.WriteAllText(path, ToJson(report).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }
}
