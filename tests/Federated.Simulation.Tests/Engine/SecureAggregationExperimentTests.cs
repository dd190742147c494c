using Federated.Coordinator.Runs;
using Federated.Model.Optimization;
using Federated.Simulation.Engine;
using Federated.Simulation.Reports;

namespace Federated.Simulation.Tests.Engine;

/// <summary>The simulation with secure aggregation and drop-outs, through the real engine in memory.</summary>
public sealed class SecureAggregationExperimentTests
{
    [Fact]
    public async Task RunAsync_SecureAggregationWithDropOuts_MatchesPlainRunWithSameDropOuts()
    {
        var data = TinyFederation.Data(usersPerInstitution: 20);
        var partition = TinyFederation.ByInstitution(data);
        Experiment Run(bool secure)
        {
            var options = TinyFederation.Experiment(data, partition).Options;
            return new Experiment
            {
                Title = "tiny",
                CommandLine = "test",
                Data = data,
                Partition = partition,
                WithReferences = false,
                Options = options with
                {
                    Rounds = 3,

                    // SGD: a run whose figures move little when the aggregate moves by the quantisation error (Adam can
                    // amplify any change of the aggregate, however small, over rounds).
                    Plan = options.Plan with { Optimizer = OptimizerKind.Sgd, LearningRate = 0.05f, ClipNorm = 100 },
                    Dropout = 0.3,
                    SecureAggregation = secure ? new SecureAggregationSettings { MaxWeight = 0 } : null,
                },
            };
        }

        var plain = await Run(secure: false).RunAsync();
        var secure = await Run(secure: true).RunAsync();

        Assert.Equal("0.3 of the selected clients per round, each at a seeded phase (a quarter after sending its update)", secure.Settings["drop-outs"]);
        foreach (var (task, metrics) in plain.TaskMetrics)
        {
            foreach (var metric in metrics)
            {
                var a = plain.Final(ExperimentSeries.Federated, task, metric);
                var b = secure.Final(ExperimentSeries.Federated, task, metric);
                Assert.True(Math.Abs(a - b) <= 1e-3, $"{task} {metric}: plain {a}, secure {b}");
            }
        }

        // The drop-outs did happen and the rounds still committed.
        Assert.Equal([0, 1, 2, 3], secure.Points.Where(p => p.Series == ExperimentSeries.Federated && p.Client == MetricPoint.AllClients).Select(p => p.Round).Distinct().Order());
    }

    [Fact]
    public async Task RunAsync_PrivateSecureAggregation_MatchesPlainPrivateRunAndSpendsTheSameEpsilon()
    {
        var data = TinyFederation.Data(usersPerInstitution: 20);
        var partition = TinyFederation.ByInstitution(data);
        Experiment Run(bool secure)
        {
            var options = TinyFederation.Experiment(data, partition).Options;
            return new Experiment
            {
                Title = "tiny",
                CommandLine = "test",
                Data = data,
                Partition = partition,
                WithReferences = false,
                Options = options with
                {
                    Rounds = 2,

                    // SGD, as above; the same seed gives both runs the same Poisson sample and the same noise.
                    Plan = options.Plan with { Optimizer = OptimizerKind.Sgd, LearningRate = 0.05f },
                    Privacy = new PrivacySettings { NoiseMultiplier = 0.5, ClipNorm = 1, Delta = 1e-5, SampleRate = 1 },
                    SecureAggregation = secure ? new SecureAggregationSettings { MaxWeight = 0 } : null,
                },
            };
        }

        var plain = await Run(secure: false).RunAsync();
        var secure = await Run(secure: true).RunAsync();

        Assert.StartsWith("1 (the privacy clip S", secure.Settings["clip norm"], StringComparison.Ordinal);
        Assert.Equal(plain.Settings["privacy spent"], secure.Settings["privacy spent"]);
        foreach (var (task, metrics) in plain.TaskMetrics)
        {
            foreach (var metric in metrics)
            {
                var a = plain.Final(ExperimentSeries.Federated, task, metric);
                var b = secure.Final(ExperimentSeries.Federated, task, metric);
                Assert.True(Math.Abs(a - b) <= 1e-4, $"{task} {metric}: plain {a}, secure {b}");
            }
        }
    }

    [Fact]
    public async Task RunAsync_PrivateSecureRoundsFailing_SpentLineCountsTheFailedAttempts()
    {
        var data = TinyFederation.Data(usersPerInstitution: 20);
        var partition = TinyFederation.ByInstitution(data);
        var options = TinyFederation.Experiment(data, partition).Options;
        var experiment = new Experiment
        {
            Title = "tiny",
            CommandLine = "test",
            Data = data,
            Partition = partition,
            WithReferences = false,
            Options = options with
            {
                Rounds = 3,
                Plan = options.Plan with { Optimizer = OptimizerKind.Sgd, LearningRate = 0.05f },
                // A Poisson sample of one client cannot run a secure round (t ≥ 2): such an attempt fails, releases
                // nothing and is redrawn, so with this seed the ledger counts more steps than versions.
                Privacy = new PrivacySettings { NoiseMultiplier = 0.5, ClipNorm = 1, Delta = 1e-5, SampleRate = 0.4 },
                SecureAggregation = new SecureAggregationSettings { MaxWeight = 0 },
            },
        };

        var report = await experiment.RunAsync();

        var spent = report.Settings["privacy spent"];
        Assert.Matches(@"after (\d+) rounds at z = 0\.5 \((\d+) of them secure rounds that failed and released nothing, counted as sampled steps; (\d+) versions\)", spent);
    }
}
