using Federated.Model.Metrics;

namespace Federated.Model.Tests.Metrics;

public sealed class RankingMetricSummaryTests
{
    [Fact]
    public void HitRateAndNdcg_HandComputedRanks_MatchFormula()
    {
        var summary = new RankingMetricSummary(k: 5);

        summary.Add([0, 1, 4, 10]);

        // Hits at ranks 0, 1, 4: gains 1, 1/log2(3), 1/log2(6); rank 10 is a miss.
        Assert.Equal(0.75, summary.HitRate);
        Assert.Equal((1 + 0.63092975357145743 + 0.38685280723454163) / 4, summary.Ndcg, 1e-15);
        Assert.Equal(4, summary.Count);
        Assert.Equal(3, summary.Hits);
    }

    [Fact]
    public void HitRate_RankEqualToK_IsMiss()
    {
        var summary = new RankingMetricSummary(k: 1);

        summary.Add(0);
        summary.Add(1);

        Assert.Equal(0.5, summary.HitRate);
        Assert.Equal(0.5, summary.Ndcg);
    }

    [Fact]
    public void AddFromScores_TiedCandidates_RankPessimistically()
    {
        var summary = new RankingMetricSummary(k: 10);

        var rank = summary.AddFromScores(0.5f, [0.9f, 0.5f, 0.1f, 0.2f]);
        var allTied = summary.AddFromScores(0.3f, [0.3f, 0.3f, 0.3f]);
        var top = summary.AddFromScores(0.8f, [0.1f, 0.7f]);
        var alone = summary.AddFromScores(0.1f, []);

        Assert.Equal(2, rank);
        Assert.Equal(3, allTied);
        Assert.Equal(0, top);
        Assert.Equal(0, alone);
        Assert.Equal(2, summary.RankHistogram[0]);
        Assert.Equal(1, summary.RankHistogram[2]);
        Assert.Equal(1, summary.RankHistogram[3]);
    }

    [Fact]
    public void Merge_ThreeShards_EqualsPooledSummaryBitForBit()
    {
        int[] ranks = [0, 3, 7, 1, 12, 0, 9, 2, 2, 40, 5, 1];
        var pooled = new RankingMetricSummary(k: 10);
        pooled.Add(ranks);

        var merged = new RankingMetricSummary(k: 10);
        foreach (var range in new[] { 8..12, 0..3, 3..8 })
        {
            var shard = new RankingMetricSummary(k: 10);
            shard.Add(ranks.AsSpan(range));
            merged.Merge(shard);
        }

        Assert.Equal(pooled.ToArray(), merged.ToArray());
        Assert.Equal(pooled.HitRate, merged.HitRate);
        Assert.Equal(pooled.Ndcg, merged.Ndcg);
    }

    [Fact]
    public void Merge_DifferentK_Throws()
    {
        var summary = new RankingMetricSummary(k: 10);

        Assert.Throws<ArgumentException>(() => summary.Merge(new RankingMetricSummary(k: 20)));
    }

    [Fact]
    public void Metrics_EmptySummary_AreNaN()
    {
        var summary = new RankingMetricSummary(k: 10);

        Assert.True(double.IsNaN(summary.HitRate));
        Assert.True(double.IsNaN(summary.Ndcg));
    }

    [Fact]
    public void Add_NegativeRank_Throws()
    {
        var summary = new RankingMetricSummary(k: 10);

        Assert.Throws<ArgumentOutOfRangeException>(() => summary.Add(-1));
        Assert.Throws<ArgumentException>(() => summary.Add([0, -2]));
        Assert.Equal(0, summary.Count);
    }

    [Fact]
    public void AddFromScores_NaNScore_Throws()
    {
        var summary = new RankingMetricSummary(k: 10);

        Assert.Throws<ArgumentException>(() => summary.AddFromScores(float.NaN, [0.1f]));
        Assert.Throws<ArgumentException>(() => summary.AddFromScores(0.5f, [0.1f, float.NaN]));
        Assert.Equal(0, summary.Count);
    }

    [Fact]
    public void AddFromScores_Candidates_DoesNotAllocate()
    {
        var summary = new RankingMetricSummary(k: 10);
        var candidates = new float[100];
        for (var i = 0; i < candidates.Length; i++)
        {
            candidates[i] = i / 100f;
        }

        int[] ranks = [0, 5, 20];
        summary.AddFromScores(0.5f, candidates);
        summary.Add(ranks);

        var before = GC.GetAllocatedBytesForCurrentThread();
        summary.AddFromScores(0.95f, candidates);
        summary.Add(ranks);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(RankingMetricSummary.MaxK + 1)]
    public void Constructor_KOutOfRange_Throws(int k)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new RankingMetricSummary(k));
    }
}
