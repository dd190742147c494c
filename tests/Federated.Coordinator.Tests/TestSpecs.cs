namespace Federated.Coordinator.Tests;

/// <summary>Small model specs and run configs for the tests.</summary>
internal static class TestSpecs
{
    // Every key is spelled out: ModelSpec.FromJson currently drops the defaults of omitted keys (reported).

    /// <summary>Shared item embedding (10 × 2), local user embedding, shared bottom [3], a shared 'click' head and a local 'rating' head.</summary>
    public const string SmallModel = """
        {
          "fields": [
            { "name": "item", "dim": 2, "buckets": 10, "scope": "shared" },
            { "name": "user", "dim": 2, "vocabulary": 5, "scope": "local" }
          ],
          "numeric": [],
          "trunk": { "kind": "shared-bottom", "hidden": [3], "levels": 1 },
          "tasks": [
            { "name": "click", "kind": "binary", "tower": [2], "scope": "shared", "weight": 1 },
            { "name": "rating", "kind": "regression", "tower": [2], "scope": "local", "weight": 1 }
          ]
        }
        """;

    /// <summary>An item table of 600 000 × 8 floats: 19.2 MB of shared parameters.</summary>
    public const string LargeModel = """
        {
          "fields": [ { "name": "item", "dim": 8, "buckets": 600000, "scope": "shared" } ],
          "numeric": [],
          "trunk": { "kind": "shared-bottom", "hidden": [4], "levels": 1 },
          "tasks": [ { "name": "click", "kind": "binary", "tower": [2], "scope": "shared", "weight": 1 } ]
        }
        """;

    public static string RunConfig(
        string model = SmallModel,
        int rounds = 3,
        int minClients = 3,
        int? quorum = null,
        int? nodesPerRound = null,
        double clipNorm = 0,
        double deadlineSeconds = 60,
        string onNoQuorum = "retry",
        int maxRetries = 1) =>
        $$"""
        {
          "name": "test",
          "seed": 7,
          "model": {{model}},
          "rounds": {{rounds}},
          "minClients": {{minClients}},
          {{(quorum is { } q ? $"\"quorum\": {q}," : "")}}
          {{(nodesPerRound is { } n ? $"\"nodesPerRound\": {n}," : "")}}
          "roundDeadlineSeconds": {{deadlineSeconds}},
          "onNoQuorum": "{{onNoQuorum}}",
          "maxRetries": {{maxRetries}},
          "training": { "localEpochs": 1, "batchSize": 8, "learningRate": 0.1, "clipNorm": {{clipNorm}}, "sparseEmbeddings": true },
          "strategy": { "name": "fedavg" }
        }
        """;
}
