using System.Globalization;
using Federated.Coordinator.Privacy;
using Federated.Coordinator.Runs;
using Federated.Simulation.Cli;
using Federated.Simulation.Engine;
using Federated.Simulation.Reports;

namespace Federated.Simulation.Tests.Cli;

/// <summary><c>--dp-sweep</c>: one private run per noise multiplier and one without privacy, a privacy–utility table and plots.</summary>
public sealed class PrivacySweepTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "sim-sweep-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task RunAsync_TwoNoiseMultipliers_TableWithEpsilonPerZAndTheRunWithoutPrivacy()
    {
        var data = TinyFederation.Data();
        var partition = TinyFederation.ByInstitution(data);
        var tiny = TinyFederation.Experiment(data, partition, rounds: 2);
        Experiment Build(SimulationOptions options, bool references) => new()
        {
            Title = "tiny",
            CommandLine = "test",
            Data = data,
            Partition = partition,
            Options = options,
            WithReferences = references,
        };
        var options = tiny.Options with { Privacy = new PrivacySettings { NoiseMultiplier = 1, ClipNorm = 0.5, Delta = 1e-5, SampleRate = 1 } };

        var (runs, plain) = await PrivacySweep.RunAsync(Build, options, [2, 0.5], _folder, CancellationToken.None);

        Assert.Equal([2d, 0.5], runs.Select(r => r.NoiseMultiplier));
        Assert.Equal(RdpAccountant.Epsilon(1, 2, 2, 1e-5).Epsilon, runs[0].Epsilon, 1e-12);
        Assert.True(runs[1].Epsilon > runs[0].Epsilon);
        Assert.Contains("z = 2,", runs[0].Report.Settings["privacy"], StringComparison.Ordinal);
        Assert.Contains("z = 0.5,", runs[1].Report.Settings["privacy"], StringComparison.Ordinal);
        Assert.False(plain.Settings.ContainsKey("privacy"));
        Assert.Contains(plain.Points, p => p.Series == ExperimentSeries.Centralised);
        Assert.NotEqual(runs[0].Report.Points, runs[1].Report.Points);

        var markdown = await File.ReadAllTextAsync(Path.Combine(_folder, "privacy-utility.md"));
        Assert.Contains("DP-FedAvg: clip S = 0.5, δ = 1E-05, q = 1, qN = 3.", markdown, StringComparison.Ordinal);
        var c = CultureInfo.InvariantCulture;
        var lines = markdown.Split('\n');
        var auc = runs[0].Report.Final(ExperimentSeries.Federated, "click", "auc").ToString("F4", c);
        Assert.StartsWith($"| 2 | {runs[0].Epsilon.ToString("0.00", c)} | {auc} |", lines.Single(l => l.StartsWith("| 2 |", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.StartsWith($"| no privacy | ∞ | {plain.Final(ExperimentSeries.Federated, "click", "auc").ToString("F4", c)} |", lines.Single(l => l.StartsWith("| no privacy |", StringComparison.Ordinal)), StringComparison.Ordinal);
        foreach (var (task, metrics) in plain.TaskMetrics)
        {
            var svg = await File.ReadAllTextAsync(Path.Combine(_folder, $"privacy-{task}-{metrics[0]}.svg"));
            Assert.Contains("<svg", svg, StringComparison.Ordinal);
            Assert.Contains("no privacy", svg, StringComparison.Ordinal);
            Assert.Contains($"![privacy-{task}-{metrics[0]}](privacy-{task}-{metrics[0]}.svg)", markdown, StringComparison.Ordinal);
        }

        Assert.True(File.Exists(Path.Combine(_folder, "z-2", "report.md")));
        Assert.True(File.Exists(Path.Combine(_folder, "z-0.5", "metrics.csv")));
        Assert.True(File.Exists(Path.Combine(_folder, "no-privacy", "report.md")));
    }

    [Theory]
    [InlineData("")]
    [InlineData("1,x")]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("NaN")]
    [InlineData("1,1")]
    public void Parse_BadList_ArgumentExceptionNamingTheFlag(string list)
    {
        var e = Assert.Throws<ArgumentException>(() => PrivacySweep.Parse(list));
        Assert.StartsWith("--dp-sweep '", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_List_ValuesInOrder() => Assert.Equal([4.2, 1, 0.5], PrivacySweep.Parse("4.2, 1,0.5"));

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }
}
