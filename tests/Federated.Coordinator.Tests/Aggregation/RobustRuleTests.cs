using Federated.Coordinator.Aggregation;
using Federated.Coordinator.Aggregation.Robust;
using Federated.Coordinator.Runs;
using Federated.Model.Parameters;
using static Federated.Coordinator.Tests.Aggregation.RobustTestModel;

namespace Federated.Coordinator.Tests.Aggregation;

/// <summary>The coordinate-wise rules on hand-computed vectors (the base model is zero, so the result is the step).</summary>
public sealed class RobustRuleTests
{
    [Fact]
    public void Median_OddCount_TakesTheMiddleValueOfEachCoordinate()
    {
        // Even coordinates: 1, 5, 2 → 2. Odd coordinates: −3, 0, 10 → 0.
        float[] even = [1, 5, 2];
        float[] odd = [-3, 0, 10];
        var result = Aggregate(Strategy(RobustStrategies.Median), Enumerable.Range(0, 3).Select(k => (Delta((_, j) => j % 2 == 0 ? even[k] : odd[k]), Weights())));

        AssertEvenOdd(result, 2f, 0f);
    }

    [Fact]
    public void Median_EvenCountWithTies_MeanOfTheTwoMiddleValues()
    {
        // Even coordinates: 1, 5, 2, 4 → (2 + 4) / 2 = 3. Odd coordinates, a tie in the middle: 1, 2, 2, 7 → 2.
        float[] even = [1, 5, 2, 4];
        float[] odd = [1, 2, 2, 7];
        var result = Aggregate(Strategy(RobustStrategies.Median), Enumerable.Range(0, 4).Select(k => (Delta((_, j) => j % 2 == 0 ? even[k] : odd[k]), Weights())));

        AssertEvenOdd(result, 3f, 2f);
    }

    [Fact]
    public void Median_ServerLearningRate_ScalesTheStep()
    {
        var strategy = Strategy(RobustStrategies.Median, (FedAvgStrategy.ServerLearningRateKey, 0.5));
        var result = Aggregate(strategy, new float[] { 1, 4, 2 }.Select(v => (Constant(v), Weights())));

        Assert.All(result.Values, v => Assert.Equal(1f, v));
    }

    [Fact]
    public void TrimmedMean_FiveUpdatesBetaPointTwo_CutsOneValuePerSide()
    {
        // ⌊0.2 · 5⌋ = 1 per side: 10, 1, 2, 3, −50 → mean(1, 2, 3) = 2; even coordinates 4, 4, 4, 4, 9 → 4.
        float[] odd = [10, 1, 2, 3, -50];
        float[] even = [4, 4, 4, 4, 9];
        var result = Aggregate(Strategy(RobustStrategies.TrimmedMean, (RobustStrategies.BetaKey, 0.2)), Enumerable.Range(0, 5).Select(k => (Delta((_, j) => j % 2 == 0 ? even[k] : odd[k]), Weights())));

        AssertEvenOdd(result, 4f, 2f);
    }

    [Fact]
    public void TrimmedMean_BetaZero_IsThePlainUnweightedMean()
    {
        // Example counts are not weights: 1, 2 and 6 with 1, 10 and 100 examples still average to 3.
        var result = Aggregate(
            Strategy(RobustStrategies.TrimmedMean, (RobustStrategies.BetaKey, 0)),
            [(Constant(1), Weights(1, 1, 1)), (Constant(2), Weights(10, 10, 10)), (Constant(6), Weights(100, 100, 100))]);

        Assert.All(result.Values, v => Assert.Equal(3f, v));
    }

    [Fact]
    public void TrimmedMean_EvenCountBetaQuarter_CutsOnePerSide()
    {
        // ⌊0.25 · 4⌋ = 1: 1, 2, 4, 100 → mean(2, 4) = 3.
        var result = Aggregate(Strategy(RobustStrategies.TrimmedMean, (RobustStrategies.BetaKey, 0.25)), new float[] { 1, 100, 2, 4 }.Select(v => (Constant(v), Weights())));

        Assert.All(result.Values, v => Assert.Equal(3f, v));
    }

    [Theory]
    [InlineData(RobustStrategies.Median)]
    [InlineData(RobustStrategies.TrimmedMean)]
    public void Finish_NodeWithoutTaskLabels_LeftOutOfThatTasksTensorsOnly(string name)
    {
        // The third node has no click labels: click tensors take median/mean of 1 and 2 (1.5; ⌊0.1 · 2⌋ = 0 cut), the
        // trunk and the rating head the median of 1, 2, 100 (2) or, trimmed with ⌊0.1 · 3⌋ = 0, their mean 103 / 3.
        var result = Aggregate(Strategy(name), [(Constant(1), Weights()), (Constant(2), Weights()), (Constant(100), Weights(click: 0))]);

        Assert.All(Values(result, ClickTensor), v => Assert.Equal(1.5f, v));
        var all = name == RobustStrategies.Median ? 2f : (float)(103.0 / 3);
        Assert.All(Values(result, TrunkTensor), v => Assert.Equal(all, v));
        Assert.All(Values(result, RatingTensor), v => Assert.Equal(all, v));
    }

    [Fact]
    public void Median_SparseRows_EachRowOverTheNodesThatSentIt()
    {
        // a sends rows 0 and 2 (1), b row 2 (3), c the whole table (5): row 0 → median(1, 5) = 3; rows 1 and 3 → 5;
        // row 2 → median(1, 3, 5) = 3.
        var result = Aggregate(Strategy(RobustStrategies.Median), [(Constant(1, [0, 2]), Weights()), (Constant(3, [2]), Weights()), (Constant(5), Weights())]);

        Assert.Equal([3f, 3f, 5f, 5f, 3f, 3f, 5f, 5f], Values(result, "emb/item"));
    }

    [Fact]
    public void Median_RowNobodySent_KeepsItsValue()
    {
        var baseModel = Zeros();
        baseModel["emb/item"].Fill(7);
        var round = Strategy(RobustStrategies.Median).BeginRound(baseModel);
        round.Add(Constant(1, [0, 2]), Weights());
        round.Add(Constant(3, [2]), Weights());

        var result = round.Finish();

        // Row 0: one sender, its value (7 + 1); row 2: median(1, 3) = 2; rows 1 and 3: untouched.
        Assert.Equal([8f, 8f, 7f, 7f, 9f, 9f, 7f, 7f], Values(result, "emb/item"));
        Assert.All(baseModel["emb/item"].ToArray(), v => Assert.Equal(7f, v));
    }

    [Fact]
    public void Add_CallerReusesTheArrays_ResultUsesTheValuesAsSent()
    {
        var round = Strategy(RobustStrategies.Median).BeginRound(Zeros());
        var delta = Constant(1);
        round.Add(delta, Weights());
        foreach (var tensor in delta.Tensors)
        {
            Array.Fill(tensor.Values, 100f);
        }

        round.Add(Constant(2), Weights());
        round.Add(Constant(3), Weights());

        Assert.All(round.Finish().Values, v => Assert.Equal(2f, v));
    }

    [Fact]
    public void Create_RobustNames_GiveRobustStrategiesUnwrapped()
    {
        foreach (var name in RobustStrategies.Names)
        {
            var settings = new StrategySettings { Name = name, Parameters = new Dictionary<string, double> { [NormBound.MultipleKey] = 2, [RobustStrategies.FKey] = 1 }.Where(p => p.Key != RobustStrategies.FKey || name.Contains("krum", StringComparison.Ordinal)).ToDictionary() };
            var strategy = AggregationStrategies.Create(settings, Compiled);

            var robust = Assert.IsType<RobustStrategy>(strategy);
            Assert.Equal(name, robust.Name);
            Assert.Equal(2, robust.NormBoundMultiple);
        }
    }

    /// <summary>Value j of every tensor is <paramref name="even"/> for even j, <paramref name="odd"/> for odd j.</summary>
    private static void AssertEvenOdd(ParameterSet result, float even, float odd)
    {
        foreach (var tensor in Layout.Tensors)
        {
            var values = Values(result, tensor.Name);
            for (var j = 0; j < values.Length; j++)
            {
                Assert.Equal(j % 2 == 0 ? even : odd, values[j]);
            }
        }
    }

    internal static RobustStrategy Strategy(string name, params (string Key, double Value)[] parameters) =>
        new(Compiled, name, parameters.ToDictionary(p => p.Key, p => p.Value));
}
