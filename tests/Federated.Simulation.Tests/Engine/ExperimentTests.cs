using Federated.Simulation.Engine;
using Federated.Simulation.Partitioning;
using Federated.Simulation.Reports;

namespace Federated.Simulation.Tests.Engine;

public sealed class ExperimentTests
{
    [Fact]
    public async Task RunAsync_SameSeedOtherWorkerCount_IdenticalFigures()
    {
        var data = TinyFederation.Data();
        var partition = TinyFederation.ByInstitution(data);

        var one = await TinyFederation.Experiment(data, partition, workers: 1).RunAsync();
        var two = await TinyFederation.Experiment(data, partition, workers: 2).RunAsync();

        Assert.NotEmpty(one.Points);
        Assert.Equal(one.Points, two.Points);
    }

    [Fact]
    public async Task RunAsync_ThreeInstitutions_ReportsEverySeriesPooledAndPerClient()
    {
        var data = TinyFederation.Data();
        var report = await TinyFederation.Experiment(data, TinyFederation.ByInstitution(data), rounds: 3).RunAsync();

        Assert.Equal(3, report.Clients);
        foreach (var series in ExperimentSeries.All)
        {
            foreach (var (task, metrics) in report.TaskMetrics)
            {
                Assert.True(double.IsFinite(report.Final(series, task, metrics[0])), $"{series} {task}");
                Assert.True(double.IsFinite(report.Final(series, task, metrics[0], "1")), $"{series} {task} client 1");
            }
        }

        var rounds = report.Points.Where(p => p.Series == ExperimentSeries.Federated && p.Client == MetricPoint.AllClients).Select(p => p.Round).Distinct().Order();
        Assert.Equal([0, 1, 2, 3], rounds);
        Assert.True(report.PeakMemoryBytes > 0);
        Assert.True(report.WallSeconds > 0);
    }

    [Fact]
    public async Task RunAsync_Training_ImprovesOnTheUntrainedModel()
    {
        var data = TinyFederation.Data(usersPerInstitution: 30);
        var report = await TinyFederation.Experiment(data, TinyFederation.ByInstitution(data), rounds: 4, references: false).RunAsync();

        var before = report.Points.Single(p => p is { Series: ExperimentSeries.Federated, Round: 0, Client: MetricPoint.AllClients, Task: "rating", Metric: "rmse" }).Value;
        Assert.True(report.Final(ExperimentSeries.Federated, "rating", "rmse") < before * 0.8, $"rmse {before} → {report.Final(ExperimentSeries.Federated, "rating", "rmse")}");
    }

    [Fact]
    public async Task RunAsync_PerUserPartition_OneClientPerUserThroughTheEngine()
    {
        var data = TinyFederation.Data(usersPerInstitution: 4);
        var partition = Partitioners.PerUser(data.Examples.Count, data.KeyOf("user"));

        var report = await TinyFederation.Experiment(data, partition, rounds: 1, references: false).RunAsync();

        Assert.Equal(12, report.Clients);
        Assert.Contains("per-user", report.Partitioner, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_PrivateRun_RepeatsForTheSameSeedAndReportsTheLedgersEpsilonAndClip()
    {
        var data = TinyFederation.Data();
        var partition = TinyFederation.ByInstitution(data);
        var privacy = new Federated.Coordinator.Runs.PrivacySettings
        {
            NoiseMultiplier = 0.3,
            Delta = 1e-5,
            SampleRate = 1,
            Adaptive = new Federated.Coordinator.Runs.AdaptiveClippingSettings { CountNoise = 1 },
        };
        Experiment Private() => TinyFederation.Experiment(data, partition, rounds: 2, references: false) is var e
            ? new Experiment { Title = e.Title, CommandLine = e.CommandLine, Data = data, Partition = partition, Options = e.Options with { Privacy = privacy }, WithReferences = false }
            : null!;

        var one = await Private().RunAsync();
        var two = await Private().RunAsync();
        var plain = await TinyFederation.Experiment(data, partition, rounds: 2, references: false).RunAsync();

        Assert.Equal(one.Points, two.Points);
        Assert.NotEqual(plain.Points, one.Points);
        Assert.Contains("z = 0.3", one.Settings["privacy"], StringComparison.Ordinal);
        Assert.Contains("qN = 3", one.Settings["privacy"], StringComparison.Ordinal);
        var epsilon = Federated.Coordinator.Privacy.RdpAccountant.Epsilon(1, 0.3, 2, 1e-5).Epsilon;
        Assert.StartsWith(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"ε = {epsilon:G6} at δ = 1E-05"), one.Settings["privacy spent"], StringComparison.Ordinal);
        Assert.Contains("after 2 rounds", one.Settings["privacy spent"], StringComparison.Ordinal);
        Assert.Contains("final clip norm S = ", one.Settings["privacy spent"], StringComparison.Ordinal);
        Assert.False(plain.Settings.ContainsKey("privacy"));
    }

    [Fact]
    public async Task RunAsync_FractionOfClients_SelectsThatManyPerRoundAndEvaluatesAll()
    {
        var data = TinyFederation.Data(usersPerInstitution: 4);
        var partition = Partitioners.PerUser(data.Examples.Count, data.KeyOf("user"));
        var experiment = TinyFederation.Experiment(data, partition, rounds: 2, references: false);
        RecordingHost? host = null;
        experiment = new Experiment
        {
            Title = experiment.Title,
            CommandLine = experiment.CommandLine,
            Data = data,
            Partition = partition,
            Options = experiment.Options with { FractionPerRound = 0.25 },
            WithReferences = false,
            HostFactory = (config, model, clients, _) => Task.FromResult<IFederationHost>(host = new RecordingHost(new InMemoryFederationHost(config, model, clients))),
        };

        var report = await experiment.RunAsync();

        var rounds = host!.Rounds;
        Assert.Equal(2, rounds.Count);
        Assert.All(rounds, r => Assert.Equal(3, r.Selected.Count));
        var evaluated = report.Points.Where(p => p is { Series: ExperimentSeries.Federated, Round: 2, Task: "click", Metric: "logloss" } && p.Client != MetricPoint.AllClients).Select(p => p.Client).Distinct().Count();
        Assert.True(evaluated > 3, $"{evaluated} clients evaluated");
    }

    [Fact]
    public async Task RunAsync_PrivateWithLowSampleRate_PoissonRoundsIncludingEmptyOnesAreAllCommittedAndEvaluated()
    {
        var data = TinyFederation.Data();
        var partition = TinyFederation.ByInstitution(data);
        var privacy = new Federated.Coordinator.Runs.PrivacySettings { NoiseMultiplier = 0.5, Delta = 1e-5, SampleRate = 0.3, ClipNorm = 1 };
        var experiment = TinyFederation.Experiment(data, partition, rounds: 8, references: false);
        RecordingHost? host = null;
        experiment = new Experiment
        {
            Title = experiment.Title,
            CommandLine = experiment.CommandLine,
            Data = data,
            Partition = partition,
            Options = experiment.Options with { Privacy = privacy },
            WithReferences = false,
            HostFactory = (config, model, clients, _) => Task.FromResult<IFederationHost>(host = new RecordingHost(new InMemoryFederationHost(config, model, clients))),
        };

        var report = await experiment.RunAsync();

        // Three clients at q = 0.3: this seed draws rounds of several sizes, nobody included; none fails, each is evaluated.
        var rounds = host!.Rounds;
        Assert.Equal(8, rounds.Count);
        Assert.All(rounds, r => Assert.Equal(Federated.Coordinator.Rounds.RoundState.Committed, r.State));
        Assert.Contains(rounds, r => r.Selected.Count == 0);
        Assert.Contains(rounds, r => r.Selected.Count > 0);
        Assert.True(rounds.Select(r => r.Selected.Count).Distinct().Count() >= 2);
        var evaluatedRounds = report.Points.Where(p => p is { Series: ExperimentSeries.Federated, Task: "click", Metric: "logloss" } && p.Client == MetricPoint.AllClients).Select(p => p.Round).Order();
        Assert.Equal(Enumerable.Range(0, 9), evaluatedRounds);
        Assert.Contains("qN = 0.9", report.Settings["privacy"], StringComparison.Ordinal);
        Assert.Contains("Poisson sampling", report.Settings["selection"], StringComparison.Ordinal);
    }

    [Fact]
    public void Build_ReferencesAndFederation_SeeIdenticalSplits()
    {
        var data = TinyFederation.Data();
        var clients = VirtualClients.Build(data, TinyFederation.ByInstitution(data), seed: 1);
        var pooled = new ReferenceRunner(clients, new SimulationOptions(), null!).PooledDataset();

        // The pooled table lists the clients' examples client by client: row k is the k-th of their concatenation.
        var order = clients.Examples.SelectMany(e => e).ToArray();
        var clientTrain = new List<int>();
        var clientTest = new List<int>();
        var offset = 0;
        for (var c = 0; c < clients.Count; c++)
        {
            clientTrain.AddRange(clients.Datasets[c].Split.Train.Select(r => order[offset + r]));
            clientTest.AddRange(clients.Datasets[c].Split.Test.Select(r => order[offset + r]));
            Assert.Empty(clients.Datasets[c].Split.Validation);
            offset += clients.Examples[c].Length;
        }

        Assert.Equal(clientTrain.Order(), pooled.Split.Train.Select(r => order[r]).Order());
        Assert.Equal(clientTest.Order(), pooled.Split.Test.Select(r => order[r]).Order());
        Assert.Equal(Enumerable.Range(0, data.Examples.Count).Where(i => data.IsTest[i]), clientTest.Order());
        Assert.Equal(pooled.Table.Count, data.Examples.Count);
    }

    [Fact]
    public void Build_ClientWithOnlyTestExamples_IsLeftOutAndCounted()
    {
        var data = TinyFederation.Data();
        var testOnly = Enumerable.Range(0, data.Examples.Count).Where(i => data.IsTest[i]).ToArray();
        var rest = Enumerable.Range(0, data.Examples.Count).Where(i => !data.IsTest[i]).ToArray();
        var partition = new DataPartition("custom", ["a", "b"], [testOnly, rest]);

        var clients = VirtualClients.Build(data, partition, seed: 1);

        Assert.Equal(1, clients.Count);
        Assert.Equal(1, clients.Dropped);
        Assert.Equal(["b"], clients.Names);
    }

    /// <summary>Keeps the engine's rounds before the in-memory store is disposed.</summary>
    private sealed class RecordingHost(InMemoryFederationHost inner) : IFederationHost
    {
        public IReadOnlyList<Federated.Coordinator.Rounds.StoredRound> Rounds { get; private set; } = [];

        public string RunId => inner.RunId;

        public string Transport => inner.Transport;

        public Federated.Client.Federation.ICoordinatorConnection Connection(int client) => inner.Connection(client);

        public Task OpenAsync(CancellationToken cancellationToken) => inner.OpenAsync(cancellationToken);

        public ValueTask DisposeAsync()
        {
            Rounds = inner.Engine.ListRounds(inner.RunId);
            return inner.DisposeAsync();
        }
    }
}
