using Federated.Coordinator.Aggregation.Robust;
using Federated.Coordinator.Runs;
using static Federated.Coordinator.Tests.Aggregation.RobustTestModel;

namespace Federated.Coordinator.Tests.Aggregation;

/// <summary>Bucketing in front of the robust rules, on hand-computed vectors (the base model is zero: the result is the step).</summary>
public sealed class BucketingTests
{
    [Fact]
    public void Assign_SameSeedAndRound_SamePartitionInBucketsOfS()
    {
        var first = Bucketing.Assign(7, 3, seed: 5, round: 2);
        var again = Bucketing.Assign(7, 3, seed: 5, round: 2);

        Assert.Equal(first, again);
        Assert.Equal([3, 3, 1], first.Select(b => b.Length));
        Assert.Equal(Enumerable.Range(0, 7), first.SelectMany(b => b).Order());
    }

    [Fact]
    public void Assign_OtherRoundsOrSeeds_ShuffleDifferently()
    {
        var shuffles = new HashSet<string>(StringComparer.Ordinal);
        for (var round = 1; round <= 5; round++)
        {
            shuffles.Add(Key(Bucketing.Assign(10, 2, seed: 1, round)));
            shuffles.Add(Key(Bucketing.Assign(10, 2, seed: 2, round)));
        }

        // 10 seeded shuffles of 10 positions: a repeat would mean the seed or the round is ignored.
        Assert.Equal(10, shuffles.Count);

        static string Key(int[][] buckets) => string.Join('|', buckets.Select(b => string.Join(',', b)));
    }

    [Fact]
    public void Median_BucketOfEveryUpdate_IsThePlainMean()
    {
        // One bucket of all five: its mean (1 + 2 + 3 + 4 + 100) / 5 = 22 is the median of one value.
        var strategy = RobustRuleTests.Strategy(RobustStrategies.Median, (RobustStrategies.BucketKey, 5));

        var result = Aggregate(strategy, new float[] { 1, 2, 3, 4, 100 }.Select(v => (Constant(v), Weights())));

        Assert.All(result.Values, v => Assert.Equal(22f, v, 1e-5f));
    }

    [Fact]
    public void Median_BucketsOfTwo_MedianOfTheSeededBucketsMeans()
    {
        // Six updates 0, 0, 0, 6, 6, 60 in three buckets of two: the result is the median of the three bucket means,
        // which depends on the shuffle of round 3 of seed 1; the expected value follows the buckets by hand.
        float[] steps = [0, 0, 0, 6, 6, 60];
        var strategy = new RobustStrategy(Compiled, RobustStrategies.Median, new Dictionary<string, double> { [RobustStrategies.BucketKey] = 2 }, seed: 1);
        var round = (RobustAggregator)strategy.BeginRound(Zeros(), 3);
        foreach (var step in steps)
        {
            round.Add(Constant(step), Weights());
        }

        var result = round.Finish();

        var buckets = Bucketing.Assign(6, 2, seed: 1, round: 3);
        Assert.Equal(buckets, round.Buckets);
        var means = buckets.Select(b => (steps[b[0]] + steps[b[1]]) / 2).Order().ToArray();
        Assert.All(result.Values, v => Assert.Equal(means[1], v, 1e-5f));
        Assert.Equal([0, 1, 2, 3, 4, 5], round.Selected);
    }

    [Fact]
    public void Average_SparseRowsTasksAndScales_EachOverItsCarriers()
    {
        // a: every value 1, item row 0 only, no click labels; b: every value 2, item rows 0 and 3. a's norm bound
        // factor 0.5 halves it first. Trunk: (0.5 + 2) / 2 = 1.25; click: b alone = 2; item row 0: 1.25; row 3: b alone.
        var buffer = new UpdateBuffer(Layout, UpdateBufferOptions.Default);
        buffer.Add(Constant(1, [0]), Weights(10, click: 0, rating: 4));
        buffer.Add(Constant(2, [0, 3]), Weights(30, click: 7, rating: 5));
        var taskOf = CoordinateAggregation.TasksOf(Layout, Compiled);

        using var means = Bucketing.Average(buffer, [0.5f, 1f], [[0, 1]], taskOf, UpdateBufferOptions.Default);

        var bucket = means[0];
        Assert.Equal(40, bucket.Weights.Examples);
        Assert.Equal(7, bucket.Weights.For("click"));
        Assert.Equal(9, bucket.Weights.For("rating"));
        Assert.All(Read(means, TrunkTensor), v => Assert.Equal(1.25f, v));
        Assert.All(Read(means, ClickTensor), v => Assert.Equal(2f, v));
        var item = Layout.Tensors.ToList().FindIndex(t => t.Name == "emb/item");
        Assert.Equal([0, 3], bucket.Rows[item]!);
        Assert.Equal([1.25f, 1.25f, 2f, 2f], Read(means, "emb/item"));
    }

    [Fact]
    public void MultiKrum_BucketsOfTwo_SelectsAmongBucketMeansAndReportsTheirMembers()
    {
        // Ten updates, nine at 1 and one at 1000, in five buckets of two; f = 1 (5 ≥ 2f + 3). The outlier's bucket
        // (mean 500.5) scores highest; the default m = n − f = 4 averages the four clean buckets: every value 1.
        var strategy = new RobustStrategy(Compiled, RobustStrategies.MultiKrum, new Dictionary<string, double> { [RobustStrategies.FKey] = 1, [RobustStrategies.BucketKey] = 2 }, seed: 4);
        var round = (RobustAggregator)strategy.BeginRound(Zeros(), 1);
        for (var k = 0; k < 10; k++)
        {
            round.Add(Constant(k == 6 ? 1000 : 1), Weights());
        }

        var result = round.Finish();

        Assert.All(result.Values, v => Assert.Equal(1f, v));
        var outlierBucket = round.Buckets.Single(b => b.Contains(6));
        Assert.Equal(Enumerable.Range(0, 10).Except(outlierBucket), round.Selected);
    }

    [Theory]
    [InlineData("multi-krum", "\"f\": 2, \"bucket\": 2", 10, "strategy.parameters.bucket", "⌈10/2⌉ = 5")]
    [InlineData("krum", "\"f\": 1, \"bucket\": 3", 12, "strategy.parameters.bucket", "2f + 3 = 5")]
    [InlineData("multi-krum", "\"f\": 1, \"m\": 5, \"bucket\": 2", 10, "strategy.parameters.m", "[1, 4]")]
    [InlineData("median", "\"bucket\": 1.5", 10, "strategy.parameters.bucket", "integer ≥ 1")]
    [InlineData("trimmed-mean", "\"bucket\": 0", 10, "strategy.parameters.bucket", "integer ≥ 1")]
    public void FromJson_BucketingPreconditionViolated_ErrorNamesTheKey(string name, string parameters, int minClients, string key, string reason)
    {
        var e = Assert.Throws<RunConfigException>(() => RunConfig.FromJson(Config(name, parameters, minClients)));

        Assert.Equal(key, e.Key);
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("multi-krum", "\"f\": 1, \"bucket\": 2", 10, 2)]
    [InlineData("krum", "\"f\": 2, \"bucket\": 2", 14, 2)]
    [InlineData("median", "\"bucket\": 20", 10, 20)]
    [InlineData("trimmed-mean", "\"beta\": 0.2, \"bucket\": 2", 10, 2)]
    public void FromJson_BucketingPreconditionsMet_StrategyBucketsBySAndRunSeed(string name, string parameters, int minClients, int bucket)
    {
        var config = RunConfig.FromJson(Config(name, parameters, minClients));

        var strategy = Assert.IsType<RobustStrategy>(Federated.Coordinator.Aggregation.AggregationStrategies.Create(config.Strategy, Compiled, seed: config.Seed));
        Assert.Equal(bucket, strategy.Bucket);
        Assert.Equal(config.Seed, strategy.Seed);
    }

    private static float[] Read(UpdateBuffer buffer, string tensor)
    {
        var t = Layout.Tensors.ToList().FindIndex(x => x.Name == tensor);
        var update = buffer[0];
        var values = new float[update.Starts[t + 1] - update.Starts[t]];
        buffer.Read(0, t, 0, values);
        return values;
    }

    private static string Config(string name, string parameters, int minClients) =>
        TestSpecs.RunConfig(minClients: minClients)
            .Replace("\"strategy\": { \"name\": \"fedavg\" }", $"\"strategy\": {{ \"name\": \"{name}\", \"parameters\": {{ {parameters} }} }}", StringComparison.Ordinal);
}
