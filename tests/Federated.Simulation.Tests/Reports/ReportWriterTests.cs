using System.Globalization;
using System.Text.Json.Nodes;
using Federated.Simulation.Reports;

namespace Federated.Simulation.Tests.Reports;

public sealed class ReportWriterTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "sim-report-" + Guid.NewGuid().ToString("N"));

    private static ExperimentReport Sample()
    {
        var report = new ExperimentReport
        {
            Title = "sample",
            CommandLine = "dotnet run --project simulation",
            Seed = 7,
            Partitioner = "key(institution, clients=2)",
            Clients = 2,
            Rounds = 2,
            TaskMetrics = new Dictionary<string, IReadOnlyList<string>> { ["rating"] = ["rmse", "mae"], ["like"] = ["auc", "logloss"] },
            Anchors = new Dictionary<string, IReadOnlyDictionary<string, IReadOnlyDictionary<string, double>>>
            {
                ["rating"] = new Dictionary<string, IReadOnlyDictionary<string, double>> { ["peer"] = new Dictionary<string, double> { ["rmse"] = 0.92 } },
            },
            WallSeconds = 1.5,
            PeakMemoryBytes = 100 << 20,
        };
        foreach (var client in new[] { MetricPoint.AllClients, "a", "b" })
        {
            for (var round = 0; round <= 2; round++)
            {
                report.Points.Add(new MetricPoint(ExperimentSeries.Federated, round, client, "rating", "rmse", 1.2 - (0.1 * round)));
                report.Points.Add(new MetricPoint(ExperimentSeries.Federated, round, client, "rating", "mae", 0.9 - (0.1 * round)));
                report.Points.Add(new MetricPoint(ExperimentSeries.Federated, round, client, "like", "auc", 0.6 + (0.05 * round)));
                report.Points.Add(new MetricPoint(ExperimentSeries.Federated, round, client, "like", "logloss", 0.7 - (0.05 * round)));
            }

            report.Points.Add(new MetricPoint(ExperimentSeries.LocalOnly, 2, client, "rating", "rmse", 1.1));
            report.Points.Add(new MetricPoint(ExperimentSeries.Centralised, 2, client, "rating", "rmse", 0.95));
            report.Points.Add(new MetricPoint(ExperimentSeries.LocalOnly, 2, client, "like", "auc", 0.62));
            report.Points.Add(new MetricPoint(ExperimentSeries.Centralised, 2, client, "like", "auc", 0.72));
        }

        return report;
    }

    [Fact]
    public void Write_Report_ProducesReadableMarkdownCsvAndPlots()
    {
        var path = ReportWriter.Write(Sample(), _folder);

        var markdown = File.ReadAllText(path);
        Assert.Contains("| rmse | 1.0000 | 1.1000 | 0.9500 | 0.9200 |", markdown, StringComparison.Ordinal);
        Assert.Contains("## Per client", markdown, StringComparison.Ordinal);
        var lines = File.ReadAllLines(Path.Combine(_folder, "metrics.csv"));
        Assert.Equal("series,round,client,task,metric,value", lines[0]);
        Assert.Equal(Sample().Points.Count + 1, lines.Length);
        var last = lines[^1].Split(',');
        Assert.True(double.TryParse(last[5], NumberStyles.Float, CultureInfo.InvariantCulture, out _));
        foreach (var plot in new[] { "rating-rmse.svg", "like-auc.svg" })
        {
            var svg = File.ReadAllText(Path.Combine(_folder, plot));
            Assert.Contains("<svg", svg, StringComparison.Ordinal);
            Assert.Contains($"]({plot})", markdown, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void ToJson_Report_HasTheSummaryShape()
    {
        var json = ExperimentSummary.ToJson(Sample());
        var path = Path.Combine(_folder, "summary.json");
        ExperimentSummary.Write(Sample(), path);
        var read = JsonNode.Parse(File.ReadAllText(path))!.AsObject();

        foreach (var key in new[] { "command", "seed", "partitioner", "clients", "rounds", "wall_seconds", "peak_memory_bytes", "tasks" })
        {
            Assert.True(read.ContainsKey(key), key);
        }

        Assert.Equal(1.0, (double)json["tasks"]!["rating"]!["federated"]!["rmse"]!, 6);
        Assert.Equal(0.72, (double)json["tasks"]!["like"]!["centralised"]!["auc"]!, 6);
        Assert.Equal(1.1, (double)read["tasks"]!["rating"]!["local_only"]!["rmse"]!, 6);
        Assert.Equal(7, (int)read["seed"]!);
    }

    [Fact]
    public void Average_TwoFolds_MeansEveryFigure()
    {
        var a = Sample();
        var b = Sample();
        b.Points.Clear();
        b.Points.AddRange(a.Points.Select(p => p with { Value = p.Value + 0.2 }));

        var average = ReportAverager.Average([a, b], "mean", "cmd");

        Assert.Equal(1.1, average.Final(ExperimentSeries.Federated, "rating", "rmse"), 9);
        Assert.Equal(a.Points.Count, average.Points.Count);
        Assert.Equal(3.0, average.WallSeconds, 9);
    }

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }
}
