using Federated.Coordinator.Aggregation.Robust;
using static Federated.Coordinator.Tests.Aggregation.RobustTestModel;

namespace Federated.Coordinator.Tests.Aggregation;

/// <summary>
/// Krum and Multi-Krum on constant updates 1, 2, 3, 4 and an outlier 100 (f = 1, so each score sums the n − f − 2 = 2
/// nearest squared distances). With V values per update, d²(a, b) = V·(a − b)²; scores: 1 → V·(1 + 4) = 5V,
/// 2 → V·(1 + 1) = 2V, 3 → 2V, 4 → V·(1 + 4) = 5V, 100 → far more.
/// </summary>
public sealed class KrumTests
{
    private static readonly float[] Steps = [1, 2, 3, 4, 100];

    [Fact]
    public void Krum_TieOfLowestScores_SelectsTheEarlierArrival()
    {
        var round = (RobustAggregator)RobustRuleTests.Strategy(RobustStrategies.Krum, (RobustStrategies.FKey, 1)).BeginRound(Zeros());
        foreach (var step in Steps)
        {
            round.Add(Constant(step), Weights());
        }

        var result = round.Finish();

        // 2 and 3 tie at 2V: the update that arrived first (2) is Krum's choice.
        Assert.Equal([1], round.Selected);
        Assert.All(result.Values, v => Assert.Equal(2f, v));
    }

    [Fact]
    public void MultiKrum_MThree_AveragesTheThreeLowestScoresTiesByArrival()
    {
        var round = (RobustAggregator)RobustRuleTests.Strategy(RobustStrategies.MultiKrum, (RobustStrategies.FKey, 1), (RobustStrategies.MKey, 3)).BeginRound(Zeros());
        foreach (var step in Steps)
        {
            round.Add(Constant(step), Weights());
        }

        var result = round.Finish();

        // 2 (2V), 3 (2V), then 1 and 4 tie at 5V: 1 arrived first. Mean of 1, 2, 3 = 2.
        Assert.Equal([0, 1, 2], round.Selected);
        Assert.All(result.Values, v => Assert.Equal(2f, v));
    }

    [Fact]
    public void MultiKrum_DefaultM_AveragesNMinusFUpdatesAndDropsTheOutlier()
    {
        var round = (RobustAggregator)RobustRuleTests.Strategy(RobustStrategies.MultiKrum, (RobustStrategies.FKey, 1)).BeginRound(Zeros());
        foreach (var step in Steps)
        {
            round.Add(Constant(step), Weights());
        }

        var result = round.Finish();

        Assert.Equal([0, 1, 2, 3], round.Selected);
        Assert.All(result.Values, v => Assert.Equal(2.5f, v));
    }

    [Fact]
    public void Scores_HandComputedDistances_SumTheNearestNMinusFMinusTwo()
    {
        var distances = new double[,]
        {
            { 0, 1, 4, 9, 100 },
            { 1, 0, 1, 4, 81 },
            { 4, 1, 0, 1, 64 },
            { 9, 4, 1, 0, 49 },
            { 100, 81, 64, 49, 0 },
        };

        Assert.Equal([5.0, 2.0, 2.0, 5.0, 113.0], KrumSelection.Scores(distances, 1));
    }

    [Fact]
    public void Distances_UnsentRows_CountAsZeroDelta()
    {
        // Both updates are zero except the item table: a sends row 0 as 1s, b sends row 3 as 2s. Over the whole update
        // (unsent rows zero): d² = 2 columns × 1² + 2 columns × 2² = 10.
        var buffer = new UpdateBuffer(Layout, UpdateBufferOptions.Default);
        buffer.Add(Delta((t, _) => t.Name == "emb/item" ? 1 : 0, [0]), Weights());
        buffer.Add(Delta((t, _) => t.Name == "emb/item" ? 2 : 0, [3]), Weights());

        var distances = KrumSelection.Distances(buffer, [1f, 1f]);

        Assert.Equal(10.0, distances[0, 1]);
        Assert.Equal(10.0, distances[1, 0]);
        Assert.Equal(0.0, distances[0, 0]);
    }

    [Fact]
    public void MultiKrum_SelectedNodeWithoutTaskLabels_TaskAveragedOverTheSelectedThatHaveIt()
    {
        var round = (RobustAggregator)RobustRuleTests.Strategy(RobustStrategies.MultiKrum, (RobustStrategies.FKey, 1)).BeginRound(Zeros());
        for (var k = 0; k < Steps.Length; k++)
        {
            round.Add(Constant(Steps[k]), Weights(click: k == 0 ? 0 : 10));
        }

        var result = round.Finish();

        // Selected: 1, 2, 3, 4; the first has no click labels, so click tensors average 2, 3, 4.
        Assert.All(Values(result, ClickTensor), v => Assert.Equal(3f, v));
        Assert.All(Values(result, TrunkTensor), v => Assert.Equal(2.5f, v));
    }

    [Fact]
    public void Finish_FewerThanTwoFPlusThreeUpdates_ThrowsInvalidOperationException()
    {
        var round = RobustRuleTests.Strategy(RobustStrategies.Krum, (RobustStrategies.FKey, 1)).BeginRound(Zeros());
        for (var k = 0; k < 4; k++)
        {
            round.Add(Constant(k), Weights());
        }

        var e = Assert.Throws<InvalidOperationException>(round.Finish);
        Assert.Contains("2f + 3", e.Message, StringComparison.Ordinal);
    }
}
