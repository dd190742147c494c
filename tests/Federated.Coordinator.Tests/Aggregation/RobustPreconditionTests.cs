using Federated.Coordinator.Runs;

namespace Federated.Coordinator.Tests.Aggregation;

/// <summary>The robust strategies' preconditions, checked when a run config is read; errors name the key.</summary>
public sealed class RobustPreconditionTests
{
    [Theory]
    [InlineData("krum", "\"f\": 2", 6, null, "strategy.parameters.f", "2f + 3")]
    [InlineData("multi-krum", "\"f\": 1", 7, 4, "strategy.parameters.f", "quorum")]
    [InlineData("krum", "\"beta\": 0.1", 9, null, "strategy.parameters.beta", "unknown parameter")]
    [InlineData("krum", "", 9, null, "strategy.parameters.f", "required")]
    [InlineData("krum", "\"f\": 1.5", 9, null, "strategy.parameters.f", "integer")]
    [InlineData("krum", "\"f\": 1, \"m\": 2", 9, null, "strategy.parameters.m", "unknown parameter")]
    [InlineData("multi-krum", "\"f\": 2, \"m\": 7", 9, 8, "strategy.parameters.m", "[1, 6]")]
    [InlineData("multi-krum", "\"f\": 2, \"m\": 0", 9, null, "strategy.parameters.m", "≥ 1")]
    [InlineData("trimmed-mean", "\"beta\": 0.5", 5, null, "strategy.parameters.beta", "[0, 0.5)")]
    [InlineData("trimmed-mean", "\"beta\": -0.1", 5, null, "strategy.parameters.beta", "[0, 0.5)")]
    [InlineData("median", "\"beta\": 0.1", 5, null, "strategy.parameters.beta", "unknown parameter")]
    [InlineData("median", "\"normBoundMultiple\": 0", 5, null, "strategy.parameters.normBoundMultiple", "> 0")]
    [InlineData("median", "\"serverLearningRate\": -1", 5, null, "strategy.parameters.serverLearningRate", "> 0")]
    public void FromJson_RobustPreconditionViolated_ErrorNamesTheKey(string name, string parameters, int minClients, int? quorum, string key, string reason)
    {
        var e = Assert.Throws<RunConfigException>(() => RunConfig.FromJson(Config(name, parameters, minClients, quorum)));

        Assert.Equal(key, e.Key);
        Assert.Contains(key, e.Message, StringComparison.Ordinal);
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("krum", "\"f\": 2", 7, null)]
    [InlineData("multi-krum", "\"f\": 1, \"m\": 4", 9, 5)]
    [InlineData("trimmed-mean", "\"beta\": 0.49", 3, null)]
    [InlineData("trimmed-mean", "", 1, null)]
    [InlineData("median", "\"normBoundMultiple\": 2, \"serverLearningRate\": 0.5", 1, null)]
    [InlineData("fedavg", "\"normBoundMultiple\": 3", 1, null)]
    public void FromJson_RobustPreconditionsMet_Accepted(string name, string parameters, int minClients, int? quorum)
    {
        var config = RunConfig.FromJson(Config(name, parameters, minClients, quorum));

        Assert.Equal(name, config.Strategy.Name);
    }

    private static string Config(string name, string parameters, int minClients, int? quorum) =>
        TestSpecs.RunConfig(minClients: minClients, quorum: quorum)
            .Replace("\"strategy\": { \"name\": \"fedavg\" }", $"\"strategy\": {{ \"name\": \"{name}\", \"parameters\": {{ {parameters} }} }}", StringComparison.Ordinal);
}
