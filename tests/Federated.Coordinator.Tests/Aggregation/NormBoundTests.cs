using Federated.Coordinator.Aggregation;
using Federated.Coordinator.Aggregation.Robust;
using Federated.Coordinator.Runs;
using static Federated.Coordinator.Tests.Aggregation.RobustTestModel;

namespace Federated.Coordinator.Tests.Aggregation;

public sealed class NormBoundTests
{
    [Fact]
    public void Scales_EvenCount_BoundIsKTimesTheMeanOfTheTwoMiddleNorms()
    {
        // Median of 1, 2, 10, 4 = (2 + 4) / 2 = 3; k = 2 → bound 6: only the norm 10 is scaled, by 0.6.
        var scales = NormBound.Scales([1, 2, 10, 4], 2);

        Assert.Equal([1f, 1f, 0.6f, 1f], scales);
    }

    [Fact]
    public void Scales_NoMultiple_EveryFactorOne()
    {
        Assert.Equal([1f, 1f], NormBound.Scales([1, 1000], null));
    }

    [Fact]
    public void Create_FedAvgWithNormBound_ClipsTheLargeUpdateBeforeAveraging()
    {
        // Norms ∝ 1, 2, 10; median 2; k = 1.5 → the 10 is scaled to 3: FedAvg of 1, 2, 3 with equal weights = 2.
        var strategy = AggregationStrategies.Create(Settings(FedAvgStrategy.StrategyName), Compiled);
        var result = Aggregate(strategy, new float[] { 1, 2, 10 }.Select(v => (Constant(v), Weights())));

        var bounded = Assert.IsType<NormBoundedStrategy>(strategy);
        Assert.Equal(FedAvgStrategy.StrategyName, bounded.Name);
        Assert.All(result.Values, v => Assert.Equal(2f, v, 1e-5f));
    }

    [Fact]
    public void Finish_RobustRuleWithNormBound_SeesTheScaledUpdates()
    {
        // The trimmed mean with β = 0 is the plain mean: of 1, 2 and the 10 scaled to 3, 2.
        var settings = Settings(RobustStrategies.TrimmedMean);
        settings.Parameters = new Dictionary<string, double>(settings.Parameters) { [RobustStrategies.BetaKey] = 0 };
        var round = (RobustAggregator)AggregationStrategies.Create(settings, Compiled).BeginRound(Zeros());
        foreach (var v in new float[] { 1, 2, 10 })
        {
            round.Add(Constant(v), Weights());
        }

        var result = round.Finish();

        Assert.Equal(1f, round.Scales[0]);
        Assert.Equal(0.3f, round.Scales[2], 1e-6f);
        Assert.All(result.Values, v => Assert.Equal(2f, v, 1e-5f));
    }

    [Fact]
    public void Finish_WrappedStrategyCalledTwice_SameResultBothTimes()
    {
        var round = AggregationStrategies.Create(Settings(FedAvgStrategy.StrategyName), Compiled).BeginRound(Zeros());
        foreach (var (delta, weights) in RobustTestModel.Random(4, 3))
        {
            round.Add(delta, weights);
        }

        var once = round.Finish();
        var twice = round.Finish();

        Assert.Equal(Bits(once.Values), Bits(twice.Values));
    }

    private static StrategySettings Settings(string name) =>
        new() { Name = name, Parameters = new Dictionary<string, double> { [NormBound.MultipleKey] = 1.5 } };
}
