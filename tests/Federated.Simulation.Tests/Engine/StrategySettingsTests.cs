using Federated.Coordinator.Runs;
using Federated.Simulation.Engine;
using Federated.Simulation.Reports;

namespace Federated.Simulation.Tests.Engine;

/// <summary>The strategy name and parameters go to the run config as given; the coordinator's validation judges them.</summary>
public sealed class StrategySettingsTests
{
    [Fact]
    public void RunConfig_StrategyAndParameters_PassedThroughAsGiven()
    {
        var data = TinyFederation.Data();
        var options = new SimulationOptions { Strategy = "fedavg", StrategyParameters = new Dictionary<string, double> { ["serverLearningRate"] = 0.5 } };

        var config = options.RunConfig(data.Spec, 3);

        Assert.Equal("fedavg", config.Strategy.Name);
        Assert.Equal(new Dictionary<string, double> { ["serverLearningRate"] = 0.5 }, config.Strategy.Parameters);
        Assert.Equal("fedavg (serverLearningRate=0.5)", options.Describe()["strategy"]);
    }

    [Fact]
    public void ValidateRunConfig_UnknownStrategy_RunConfigErrorNamingIt()
    {
        var experiment = TinyWith(new Dictionary<string, double>(), "no-such-strategy");

        var error = Assert.Throws<RunConfigException>(experiment.ValidateRunConfig);

        Assert.Equal("strategy.name", error.Key);
        Assert.Contains("unknown strategy 'no-such-strategy'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, null)]
    [InlineData(1, "strategy.parameters.f")]
    public void ValidateRunConfig_KrumOnThreeClients_PreconditionCheckedAgainstTheClients(int f, string? refusedKey)
    {
        // Three institutions, all selected: Krum needs n ≥ 2f + 3, so f = 0 fits and f = 1 does not.
        var experiment = TinyWith(new Dictionary<string, double> { ["f"] = f }, "krum");

        var error = Record.Exception(experiment.ValidateRunConfig);

        Assert.Equal(refusedKey, (error as RunConfigException)?.Key);
        Assert.True(refusedKey is null ? error is null : error is RunConfigException, error?.ToString());
    }

    [Fact]
    public void ValidateRunConfig_UnknownParameter_RunConfigErrorNamingIt()
    {
        var experiment = TinyWith(new Dictionary<string, double> { ["beta"] = 0.2 });

        var error = Assert.Throws<RunConfigException>(experiment.ValidateRunConfig);

        Assert.Equal("strategy.parameters.beta", error.Key);
    }

    [Fact]
    public async Task RunAsync_FedAvgWithoutParameters_SameFiguresAsTheDefaultAndOtherRateDiffers()
    {
        var data = TinyFederation.Data();
        var partition = TinyFederation.ByInstitution(data);
        var tiny = TinyFederation.Experiment(data, partition, references: false);
        Experiment With(SimulationOptions options) => new() { Title = "tiny", CommandLine = "test", Data = data, Partition = partition, Options = options, WithReferences = false };

        var byDefault = await tiny.RunAsync();
        var named = await With(tiny.Options with { Strategy = "fedavg", StrategyParameters = new Dictionary<string, double>() }).RunAsync();
        var slower = await With(tiny.Options with { StrategyParameters = new Dictionary<string, double> { ["serverLearningRate"] = 0.5 } }).RunAsync();

        Assert.Equal(byDefault.Points, named.Points);
        Assert.NotEqual(byDefault.Points.Where(p => p.Round == 2), slower.Points.Where(p => p.Round == 2));
        Assert.Equal(byDefault.Points.Where(p => p.Round == 0), slower.Points.Where(p => p.Round == 0));
        Assert.Equal(ExperimentSeries.Federated, Assert.Single(byDefault.Points.Select(p => p.Series).Distinct()));
    }

    /// <summary>The tiny federation (three institutions) with the given strategy parameters and, when named, strategy.</summary>
    private static Experiment TinyWith(Dictionary<string, double> parameters, string? strategy = null)
    {
        var data = TinyFederation.Data();
        var tiny = TinyFederation.Experiment(data, TinyFederation.ByInstitution(data));
        return new Experiment
        {
            Title = "tiny",
            CommandLine = "test",
            Data = data,
            Partition = tiny.Partition,
            Options = tiny.Options with { Strategy = strategy ?? tiny.Options.Strategy, StrategyParameters = parameters },
        };
    }
}
