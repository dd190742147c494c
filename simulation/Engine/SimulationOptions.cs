using System.Globalization;
using Federated.Client.Training;
using Federated.Coordinator.Runs;
using Federated.Model.Optimization;

namespace Federated.Simulation.Engine;

/// <summary>Settings of one experiment: the federation's run config and the simulation's own machinery.</summary>
public sealed record SimulationOptions
{
    /// <summary>Seed of the model's initial parameters, node selection and client seeds. Default 1.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Federated rounds; the references train rounds × local epochs passes too. Default 10.</summary>
    public int Rounds { get; init; } = 10;

    /// <summary>Passes over a client's training rows per round. Default 1.</summary>
    public int LocalEpochs { get; init; } = 1;

    /// <summary>Examples per step. Default 64.</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>Local learning rate. Default 0.01.</summary>
    public float LearningRate { get; init; } = 0.01f;

    /// <summary>Local optimiser: <c>sgd</c>, <c>momentum</c> or <c>adam</c>; fresh every round. Default <c>adam</c>.</summary>
    public string Optimizer { get; init; } = "adam";

    /// <summary>Fraction of clients selected per round, in (0, 1]; null = all. Default null.</summary>
    public double? FractionPerRound { get; init; }

    /// <summary>FedProx μ. Default 0.</summary>
    public float ProximalMu { get; init; }

    /// <summary>L2 clip bound of updates; 0 = none. Default 0.</summary>
    public double ClipNorm { get; init; }

    /// <summary>Aggregation strategy. Default <c>fedavg</c>.</summary>
    public string Strategy { get; init; } = "fedavg";

    /// <summary>Server learning rate of FedAvg. Default 1.</summary>
    public double ServerLearningRate { get; init; } = 1;

    /// <summary>Worker threads, each with one training workspace. Default 2.</summary>
    public int Workers { get; init; } = 2;

    /// <summary>
    /// Histogram bins of binary metric summaries (AUC resolution). Default 1000: 16 KB per task per summary rather than
    /// 160 KB at the node default, which matters with thousands of clients each sending training metrics.
    /// </summary>
    public int MetricBins { get; init; } = 1000;

    /// <summary>The local training settings of an assignment, for the references (which talk to no coordinator).</summary>
    internal TrainingAssignment Assignment(long round, long version) => new()
    {
        Round = round,
        ModelVersion = version,
        LocalEpochs = LocalEpochs,
        BatchSize = BatchSize,
        LearningRate = LearningRate,
        ProximalMu = 0,
        ClipNorm = 0,
        Sparse = true,
    };

    /// <summary>Workspace settings every worker uses.</summary>
    internal NodeTrainingOptions NodeOptions() => new()
    {
        Optimizer = Optimizer switch
        {
            "sgd" => OptimizerKind.Sgd,
            "momentum" => OptimizerKind.Momentum,
            "adam" => OptimizerKind.Adam,
            _ => throw new ArgumentException($"unknown optimizer '{Optimizer}': sgd, momentum or adam", nameof(Optimizer)),
        },
        Threads = 1,
        MetricBins = MetricBins,
    };

    /// <summary>The run config of the federated series for <paramref name="clients"/> clients.</summary>
    internal RunConfig RunConfig(Federated.Model.Spec.ModelSpec spec, int clients)
    {
        var selected = FractionPerRound is { } f ? Math.Max(1, (int)Math.Ceiling(f * clients)) : clients;
        var config = new RunConfig
        {
            Name = "simulation",
            Seed = Seed,
            Model = spec,
            Rounds = Rounds,
            FractionPerRound = FractionPerRound,
            MinClients = selected,
            RoundDeadlineSeconds = 24 * 3600,
            Training = new TrainingSettings
            {
                LocalEpochs = LocalEpochs,
                BatchSize = BatchSize,
                LearningRate = LearningRate,
                Optimizer = Optimizer,
                ProximalMu = ProximalMu,
                ClipNorm = ClipNorm,
                SparseEmbeddings = true,
            },
            Strategy = new StrategySettings
            {
                Name = Strategy,
                Parameters = new Dictionary<string, double>(StringComparer.Ordinal) { ["serverLearningRate"] = ServerLearningRate },
            },
        };
        config.Validate();
        return config;
    }

    /// <summary>The settings worth printing in a report.</summary>
    internal Dictionary<string, string> Describe()
    {
        var c = CultureInfo.InvariantCulture;
        return new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["local epochs"] = LocalEpochs.ToString(c),
            ["batch size"] = BatchSize.ToString(c),
            ["learning rate"] = LearningRate.ToString(c),
            ["optimizer"] = Optimizer + " (fresh each round)",
            ["selection"] = FractionPerRound is { } f ? f.ToString(c) + " of clients per round" : "all clients every round",
            ["strategy"] = string.Create(c, $"{Strategy} (server lr {ServerLearningRate})"),
            ["clip norm"] = ClipNorm == 0 ? "none" : ClipNorm.ToString(c),
            ["FedProx μ"] = ProximalMu.ToString(c),
            ["workers"] = Workers.ToString(c),
            ["budget of references"] = string.Create(c, $"{Rounds} rounds × {LocalEpochs} local epochs"),
        };
    }
}
