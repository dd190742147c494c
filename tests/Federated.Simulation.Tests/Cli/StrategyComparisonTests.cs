using System.Globalization;
using Federated.Simulation.Attacks;
using Federated.Simulation.Cli;
using Federated.Simulation.Engine;
using Federated.Simulation.Reports;

namespace Federated.Simulation.Tests.Cli;

public sealed class StrategyComparisonTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "sim-compare-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task RunAsync_TwoStrategiesUnderSignFlip_TableAndOnePlotPerTaskBesideTheCleanRun()
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
        var options = tiny.Options with { Attack = new AttackSpec(AttackKind.SignFlip), Malicious = 1 };

        var (runs, clean) = await StrategyComparison.RunAsync(Build, options, StrategySpec.ParseList("fedavg,fedavg:serverLearningRate=0.5"), _folder, CancellationToken.None);

        Assert.Equal(["fedavg", "fedavg:serverLearningRate=0.5"], runs.Select(r => r.Label));
        Assert.All(runs, r => Assert.Equal("sign-flip", r.Report.Settings["attack"]));
        Assert.Equal(runs[0].Report.Settings["malicious clients"], runs[1].Report.Settings["malicious clients"]);
        Assert.All(runs, r => Assert.DoesNotContain(r.Report.Points, p => p.Series != ExperimentSeries.Federated));
        Assert.False(clean.Settings.ContainsKey("attack"));
        Assert.Contains(clean.Points, p => p.Series == ExperimentSeries.Centralised);
        Assert.NotEqual(runs[0].Report.Points, runs[1].Report.Points);

        var markdown = await File.ReadAllTextAsync(Path.Combine(_folder, "comparison.md"));
        Assert.Contains("| task | metric | fedavg | fedavg:serverLearningRate=0.5 | clean fedavg |", markdown, StringComparison.Ordinal);
        Assert.Contains("sign-flip by " + runs[0].Report.Settings["malicious clients"], markdown, StringComparison.Ordinal);
        var c = CultureInfo.InvariantCulture;
        foreach (var (task, metrics) in clean.TaskMetrics)
        {
            foreach (var metric in metrics)
            {
                var reference = clean.Final(ExperimentSeries.Federated, task, metric);
                var row = markdown.Split('\n').Single(l => l.StartsWith($"| {task} | {metric} |", StringComparison.Ordinal));
                var cells = row.Split('|', StringSplitOptions.TrimEntries)[3..^1];
                Assert.Equal(3, cells.Length);
                for (var k = 0; k < runs.Count; k++)
                {
                    Assert.StartsWith(runs[k].Report.Final(ExperimentSeries.Federated, task, metric).ToString("F4", c) + " (", cells[k], StringComparison.Ordinal);
                }

                Assert.Equal(reference.ToString("F4", c), cells[2]);
            }

            var svg = await File.ReadAllTextAsync(Path.Combine(_folder, $"comparison-{task}-{metrics[0]}.svg"));
            Assert.Contains("<svg", svg, StringComparison.Ordinal);
            Assert.Contains("fedavg:serverLearningRate=0.5", svg, StringComparison.Ordinal);
            Assert.Contains(StrategyComparisonReport.CleanLabel, svg, StringComparison.Ordinal);
            Assert.Contains($"![comparison-{task}-{metrics[0]}](comparison-{task}-{metrics[0]}.svg)", markdown, StringComparison.Ordinal);
        }

        Assert.True(File.Exists(Path.Combine(_folder, "fedavg", "report.md")));
        Assert.True(File.Exists(Path.Combine(_folder, "fedavg-serverLearningRate-0.5", "metrics.csv")));
        Assert.True(File.Exists(Path.Combine(_folder, "clean-fedavg", "report.md")));
    }

    [Fact]
    public async Task RunAsync_UnknownStrategy_FailsBeforeAnyRun()
    {
        var data = TinyFederation.Data();
        var tiny = TinyFederation.Experiment(data, TinyFederation.ByInstitution(data));
        var built = 0;
        Experiment Build(SimulationOptions options, bool references)
        {
            built++;
            return new Experiment { Title = "tiny", CommandLine = "test", Data = data, Partition = tiny.Partition, Options = options, WithReferences = references };
        }

        var error = await Assert.ThrowsAsync<Federated.Coordinator.Runs.RunConfigException>(() =>
            StrategyComparison.RunAsync(Build, tiny.Options, StrategySpec.ParseList("fedavg,no-such-strategy"), _folder, CancellationToken.None));

        Assert.Equal("strategy.name", error.Key);
        Assert.Contains("'no-such-strategy'", error.Message, StringComparison.Ordinal);
        Assert.Equal(3, built);
        Assert.False(Directory.Exists(_folder));
    }

    [Theory]
    [InlineData("auc", 0.6, 0.7, -0.5)]
    [InlineData("auc", 0.7, 0.7, 0)]
    [InlineData("rmse", 1.1, 1.0, 0.1)]
    public void Gap_Metric_RelativeToCleanLiftForAuc(string metric, double value, double clean, double expected) =>
        Assert.Equal(expected, StrategyComparisonReport.Gap(metric, value, clean), 1e-12);

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }
}
