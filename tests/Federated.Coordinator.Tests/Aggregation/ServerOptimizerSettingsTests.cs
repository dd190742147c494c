using Federated.Coordinator.Aggregation;
using Federated.Coordinator.Runs;

namespace Federated.Coordinator.Tests.Aggregation;

public sealed class ServerOptimizerSettingsTests
{
    private const string MinimalModel = """{"fields":[{"name":"item","dim":2,"buckets":10}],"trunk":{"kind":"shared-bottom","hidden":[3]},"tasks":[{"name":"click","tower":[2]}]}""";

    [Theory]
    [InlineData("fedadam", "\"beta1\": 1", "beta1", "[0, 1)")]
    [InlineData("fedadam", "\"beta2\": -0.1", "beta2", "[0, 1)")]
    [InlineData("fedyogi", "\"tau\": 0", "tau", "> 0")]
    [InlineData("fedyogi", "\"serverLearningRate\": -1", "serverLearningRate", "> 0")]
    [InlineData("fedadagrad", "\"tau\": 1e400", "tau", "> 0")]
    [InlineData("fedavgm", "\"momentum\": 1", "momentum", "[0, 1)")]
    [InlineData("fedavgm", "\"beta1\": 0.9", "beta1", "unknown parameter of 'fedavgm'")]
    [InlineData("fedadagrad", "\"beta2\": 0.99", "beta2", "unknown parameter of 'fedadagrad'")]
    public void FromJson_InvalidOptimizerParameter_ErrorNamesTheKey(string name, string parameter, string key, string reason)
    {
        var json = $$"""{ "model": {{MinimalModel}}, "strategy": { "name": "{{name}}", "parameters": { {{parameter}} } } }""";

        var error = Assert.Throws<RunConfigException>(() => RunConfig.FromJson(json));

        Assert.Equal("strategy.parameters." + key, error.Key);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("fedavgm")]
    [InlineData("fedadagrad")]
    [InlineData("fedadam")]
    [InlineData("fedyogi")]
    public void FromJson_OptimizerWithoutParameters_IsValidAndCreatesItsStrategy(string name)
    {
        var config = RunConfig.FromJson($$"""{ "model": {{MinimalModel}}, "strategy": { "name": "{{name}}" } }""");

        var strategy = AggregationStrategies.Create(config.Strategy, Federated.Model.Parameters.CompiledModel.Compile(config.Spec));

        Assert.Equal(name, strategy.Name);
        Assert.IsType<IStatefulStrategy>(strategy, exactMatch: false);
    }

    [Fact]
    public void From_NoParameters_UsesTheDocumentedDefaults()
    {
        var none = new Dictionary<string, double>();

        var adam = ServerOptimizerSettings.From(ServerOptimizerKind.FedAdam, none);
        var momentum = ServerOptimizerSettings.From(ServerOptimizerKind.FedAvgM, none);

        Assert.Equal((0.1, 0.9, 0.99, 1e-3), (adam.ServerLearningRate, adam.Beta1, adam.Beta2, adam.Tau));
        Assert.Equal((1.0, 0.9), (momentum.ServerLearningRate, momentum.Momentum));
    }

    [Fact]
    public void From_BetaZero_IsAccepted()
    {
        // [0, 1) includes 0 (no momentum), which the generic "> 0" rule of fedavg would refuse.
        var settings = ServerOptimizerSettings.From(ServerOptimizerKind.FedAdam, new Dictionary<string, double> { ["beta1"] = 0, ["beta2"] = 0 });

        Assert.Equal((0.0, 0.0), (settings.Beta1, settings.Beta2));
    }
}
