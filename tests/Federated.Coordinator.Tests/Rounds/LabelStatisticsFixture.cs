using Federated.Model.Spec;

namespace Federated.Coordinator.Tests.Rounds;

/// <summary>A model whose shared heads start their output biases from data, and label statistics made from labels.</summary>
internal static class LabelStatisticsFixture
{
    /// <summary>Spec bias of 'rating', kept when no node has a rating label.</summary>
    public const float RatingSpecBias = 0.25f;

    /// <summary>
    /// Shared 'click' (binary) and 'rating' (regression, spec bias 0.25) heads that start from data, and a local 'dwell'
    /// head that does too (set by each node, never asked for).
    /// </summary>
    public const string Model = """
        {
          "fields": [
            { "name": "item", "dim": 2, "buckets": 10, "scope": "shared" },
            { "name": "user", "dim": 2, "vocabulary": 5, "scope": "local" }
          ],
          "numeric": [],
          "trunk": { "kind": "shared-bottom", "hidden": [3], "levels": 1 },
          "tasks": [
            { "name": "click", "kind": "binary", "tower": [2], "scope": "shared", "weight": 1, "outputBiasFromData": true },
            { "name": "rating", "kind": "regression", "tower": [2], "scope": "shared", "weight": 1, "outputBias": 0.25, "outputBiasFromData": true },
            { "name": "dwell", "kind": "regression", "tower": [2], "scope": "local", "weight": 1, "outputBiasFromData": true }
          ]
        }
        """;

    public static string Config(int rounds = 2, int minClients = 3, int? quorum = null, int? nodesPerRound = null, int maxRetries = 1) =>
        TestSpecs.RunConfig(Model, rounds: rounds, minClients: minClients, quorum: quorum, nodesPerRound: nodesPerRound, maxRetries: maxRetries);

    /// <summary>Seeded labels: <paramref name="count"/> click labels with rate about <paramref name="rate"/>, ratings around <paramref name="mean"/>; every fifth missing (NaN).</summary>
    public static (float[] Click, float[] Rating) Labels(int seed, int count, double rate, double mean)
    {
        var random = new MathNet.Numerics.Random.Xoshiro256StarStar(seed);
        var click = new float[count];
        var rating = new float[count];
        for (var i = 0; i < count; i++)
        {
            click[i] = i % 5 == 4 ? float.NaN : random.NextDouble() < rate ? 1f : 0f;
            rating[i] = i % 5 == 2 ? float.NaN : (float)(mean + (2 * random.NextDouble()) - 1);
        }

        return (click, rating);
    }

    /// <summary>What a node with these labels sends.</summary>
    public static TaskLabelStatistics[] Of((float[] Click, float[] Rating) labels) =>
        [new("click", OutputBiasStatistics.Of(labels.Click)), new("rating", OutputBiasStatistics.Of(labels.Rating))];

    public static TaskLabelStatistics[] Of(long clicks, double positives, long ratings, double ratingSum) =>
        [new("click", new OutputBiasStatistics(clicks, positives)), new("rating", new OutputBiasStatistics(ratings, ratingSum))];

    /// <summary>The pooled labels' bias, computed from the labels themselves (not from the statistics).</summary>
    public static (float Click, float Rating) PooledBiases(params (float[] Click, float[] Rating)[] nodes)
    {
        var clicks = nodes.SelectMany(n => n.Click).Where(y => !float.IsNaN(y)).Select(y => (double)y).ToArray();
        var ratings = nodes.SelectMany(n => n.Rating).Where(y => !float.IsNaN(y)).Select(y => (double)y).ToArray();
        var rate = Math.Clamp(clicks.Average(), 1e-3, 1 - 1e-3);
        return ((float)Math.Log(rate / (1 - rate)), (float)ratings.Average());
    }
}
