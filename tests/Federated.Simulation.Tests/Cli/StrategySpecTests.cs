using Federated.Simulation.Cli;

namespace Federated.Simulation.Tests.Cli;

public sealed class StrategySpecTests
{
    [Fact]
    public void Parse_NameOnly_NoParameters()
    {
        var strategy = StrategySpec.Parse("median");

        Assert.Equal("median", strategy.Name);
        Assert.Empty(strategy.Parameters);
    }

    [Fact]
    public void Parse_Parameters_ByNameInvariantCulture()
    {
        var strategy = StrategySpec.Parse("krum:f=2,m=3.5");

        Assert.Equal("krum", strategy.Name);
        Assert.Equal(new Dictionary<string, double> { ["f"] = 2, ["m"] = 3.5 }, strategy.Parameters);
        Assert.Equal("krum:f=2,m=3.5", strategy.ToString());
    }

    [Theory]
    [InlineData("", "expected NAME[:key=value,...]")]
    [InlineData(":beta=1", "expected NAME[:key=value,...]")]
    [InlineData("fedavg:serverLearningRate", "'serverLearningRate' is not key=value")]
    [InlineData("fedavg:=1", "'=1' is not key=value")]
    [InlineData("fedavg:serverLearningRate=fast", "the value of serverLearningRate, 'fast', is not a number")]
    [InlineData("fedavg:a=1,a=2", "a is given twice")]
    public void Parse_Invalid_OneLineErrorNamingIt(string text, string message)
    {
        var error = Assert.Throws<ArgumentException>(() => StrategySpec.Parse(text));

        Assert.StartsWith($"--strategy '{text}'", error.Message, StringComparison.Ordinal);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseList_ParametersAfterACommaBelongToTheStrategyBefore()
    {
        var strategies = StrategySpec.ParseList("fedavg,trimmed-mean:beta=0.2,krum:f=2,m=3,median");

        Assert.Equal(["fedavg", "trimmed-mean:beta=0.2", "krum:f=2,m=3", "median"], strategies.Select(s => s.ToString()));
    }
}
