using Federated.Client.Data;
using Federated.Simulation.Engine;
using Federated.Simulation.Reports;
using Federated.Simulation.Tests.Cli;

namespace Federated.Simulation.Tests.Engine;

/// <summary><c>--release-by-time K</c>: each client's training rows arrive over K rounds, earliest first.</summary>
public sealed class TimeReleaseTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "sim-release-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public void TrainRows_RoundsOneToK_EarliestShareByTimeThenAll()
    {
        var clients = VirtualClients.Build(Timed(), TinyFederation.ByInstitution(Timed()), seed: 1);
        var release = new TimeRelease(clients, 4);
        var table = clients.Datasets[0].Table;
        var train = clients.Datasets[0].Split.Train;

        var first = release.TrainRows(0, 1);
        var later = train.Except(first).ToArray();

        Assert.Equal((int)Math.Ceiling(train.Length / 4.0), first.Length);
        Assert.True(first.Max(table.Time) <= later.Min(table.Time));
        Assert.Equal((int)Math.Ceiling(train.Length * 2 / 4.0), release.TrainRows(0, 2).Length);
        Assert.Subset(release.TrainRows(0, 2).ToHashSet(), first.ToHashSet());
        Assert.Equal(train, release.TrainRows(0, 4));
        Assert.Equal(train, release.TrainRows(0, 9));
    }

    [Fact]
    public void Pooled_RoundOne_IsTheUnionOfTheClientsReleasedRows()
    {
        var data = Timed();
        var clients = VirtualClients.Build(data, TinyFederation.ByInstitution(data), seed: 1);
        var release = new TimeRelease(clients, 3);
        var pooled = new ReferenceRunner(clients, new SimulationOptions(), null!).PooledDataset();
        var central = Federated.Client.Training.LocalClient.InMemory(pooled, data.Model.Initialize(1), 1);

        var released = release.Pooled(central, 1).Data;

        var order = clients.Examples.SelectMany(e => e).ToArray();
        var expected = new List<int>();
        var offset = 0;
        for (var c = 0; c < clients.Count; c++)
        {
            expected.AddRange(release.TrainRows(c, 1).Select(r => order[offset + r]));
            offset += clients.Examples[c].Length;
        }

        Assert.Equal(expected.Order(), released.Split.Train.Select(r => order[r]).Order());
        Assert.Equal(pooled.Split.Test, released.Split.Test);
        Assert.Same(pooled.Standardizer, released.Standardizer);
    }

    [Fact]
    public async Task RunAsync_ReleaseByTime_TrainsOnFewerRowsEarlyAndSaysSo()
    {
        var data = Timed();
        var partition = TinyFederation.ByInstitution(data);
        var plain = TinyFederation.Experiment(data, partition, rounds: 3);
        var released = new Experiment { Title = plain.Title, CommandLine = plain.CommandLine, Data = data, Partition = partition, Options = plain.Options with { ReleaseByTime = 3 } };

        var a = await plain.RunAsync();
        var b = await released.RunAsync();

        double Round1(ExperimentReport r) => r.Points.Single(p => p is { Series: ExperimentSeries.Federated, Round: 1, Client: MetricPoint.AllClients, Task: "rating", Metric: "rmse" }).Value;
        Assert.NotEqual(Round1(a), Round1(b));
        Assert.StartsWith("by time over 3 rounds", b.Settings["data release"], StringComparison.Ordinal);
        Assert.False(a.Settings.ContainsKey("data release"));
    }

    [Fact]
    public void Constructor_DataWithoutTimestamps_RefusedNamingTheOption()
    {
        var data = TinyFederation.Data();
        var clients = VirtualClients.Build(data, TinyFederation.ByInstitution(data), seed: 1);

        var error = Assert.Throws<ArgumentException>(() => new TimeRelease(clients, 2));

        Assert.StartsWith("--release-by-time 2: the data 'tiny' has no timestamps", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--release-by-time|3", "error: --release-by-time 3: the synthetic data has no timestamps")]
    [InlineData("--release-by-time|0", "error: --release-by-time 0: must be ≥ 1 round")]
    [InlineData("movielens|--path|/nonexistent|--release-by-time|-2", "error: --release-by-time -2: must be ≥ 1 round")]
    public void Main_BadReleaseByTime_OneLineErrorAndExitCode2(string args, string expected)
    {
        var (code, error) = SimulationEntryPoint.Run([.. args.Split('|'), "--out", _folder]);

        Assert.Equal(2, code);
        Assert.StartsWith(expected, error, StringComparison.Ordinal);
        Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.False(File.Exists(Path.Combine(_folder, "report.md")));
    }

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    /// <summary>The tiny federation with a timestamp per example that is not in example order (so order and time differ).</summary>
    private static SimulationData Timed()
    {
        var data = TinyFederation.Data();
        var examples = data.Examples.Select((e, i) => new Example(e.LineNumber, e.Tokens, e.Numeric, e.Labels, time: (i * 7919) % 1009)).ToList();
        return new SimulationData(data.Name, data.Schema with { HasTime = true }, data.Model, examples, data.IsTest);
    }
}
