using Federated.Model.Optimization;
using Federated.Simulation.Engine;
using Federated.Simulation.Reports;

namespace Federated.Simulation.Tests.Engine;

/// <summary>The references' own budget (<see cref="SimulationOptions.ReferencePlan"/>): it trains them, and only them.</summary>
public sealed class ReferencePlanTests
{
    [Fact]
    public async Task RunAsync_ReferencePlan_ReferencesTrainWithItAndFederatedUnchanged()
    {
        var data = TinyFederation.Data();
        var plain = TinyFederation.Experiment(data, TinyFederation.ByInstitution(data), rounds: 2);
        var sgd = With(plain, plain.Options with { ReferencePlan = plain.Options.Plan with { Optimizer = OptimizerKind.Sgd, LearningRate = 0.05f, BatchSize = 8 } });
        var same = With(plain, plain.Options with { ReferencePlan = plain.Options.Plan });

        var plainReport = await plain.RunAsync();
        var sgdReport = await sgd.RunAsync();
        var sameReport = await same.RunAsync();

        foreach (var (task, metric) in new[] { ("click", "auc"), ("click", "logloss") })
        {
            Assert.Equal(plainReport.Final(ExperimentSeries.Federated, task, metric), sgdReport.Final(ExperimentSeries.Federated, task, metric));
            Assert.NotEqual(plainReport.Final(ExperimentSeries.Centralised, task, metric), sgdReport.Final(ExperimentSeries.Centralised, task, metric));
            Assert.NotEqual(plainReport.Final(ExperimentSeries.LocalOnly, task, metric), sgdReport.Final(ExperimentSeries.LocalOnly, task, metric));
            Assert.Equal(plainReport.Final(ExperimentSeries.Centralised, task, metric), sameReport.Final(ExperimentSeries.Centralised, task, metric));
            Assert.Equal(plainReport.Final(ExperimentSeries.LocalOnly, task, metric), sameReport.Final(ExperimentSeries.LocalOnly, task, metric));
        }

        Assert.EndsWith("sgd at learning rate 0.05, batch 8", sgd.Options.Describe()["budget of references"], StringComparison.Ordinal);
        Assert.DoesNotContain("learning rate", plain.Options.Describe()["budget of references"], StringComparison.Ordinal);
    }

    private static Experiment With(Experiment experiment, SimulationOptions options) => new()
    {
        Title = experiment.Title,
        CommandLine = experiment.CommandLine,
        Data = experiment.Data,
        Partition = experiment.Partition,
        Options = options,
    };
}
