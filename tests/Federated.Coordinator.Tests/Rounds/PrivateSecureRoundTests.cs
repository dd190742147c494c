using Federated.Coordinator.Aggregation;
using Federated.Coordinator.Aggregation.Privacy;
using Federated.Coordinator.Rounds;
using Federated.Coordinator.Rounds.Pipeline;
using Federated.Coordinator.Runs;
using Federated.Model.Parameters;
using Federated.SecureAggregation.Protocol;

namespace Federated.Coordinator.Tests.Rounds;

/// <summary>
/// Differential privacy on top of secure aggregation through the real engine: nodes clip to the privacy clip and mask at
/// unit weight; the coordinator noises the unmasked sum with DP-FedAvg's own step, so the release is the plain private
/// path's release up to the quantiser; a failed secure round releases nothing and is counted as a step.
/// </summary>
public sealed class PrivateSecureRoundTests
{
    private const int Nodes = 10;

    /// <summary>An item table of 2000 × 2: enough coordinates to measure the noise's deviation.</summary>
    private const string WideItemModel = """
        {
          "fields": [ { "name": "item", "dim": 2, "buckets": 2000, "scope": "shared" } ],
          "numeric": [],
          "trunk": { "kind": "shared-bottom", "hidden": [3], "levels": 1 },
          "tasks": [ { "name": "click", "kind": "binary", "tower": [2], "scope": "shared", "weight": 1 } ]
        }
        """;

    private static RoundPipelineFactory KeyedNoise() => new(privacyNoise: PrivacyNoiseSource.Keyed([9]));

    /// <summary>A private secure run: fixed clip S = 1, q = 1, qN = nodes; training.clipNorm 10 (nodes must be told S).</summary>
    internal static string PrivateSecureConfig(int minClients = Nodes, double noise = 1, string secure = "{}", int maxRetries = 1, string model = TestSpecs.SmallModel, string clip = "\"clipNorm\": 1") =>
        TestSpecs.RunConfig(model: model, minClients: minClients, clipNorm: 10, maxRetries: maxRetries).Replace(
            "\"strategy\": { \"name\": \"fedavg\" }",
            $$"""
            "strategy": { "name": "fedavg" }, "secureAggregation": {{secure}},
            "privacy": { "noiseMultiplier": {{noise}}, {{clip}}, "delta": 1e-5, "sampleRate": 1, "expectedClients": {{minClients}} }
            """,
            StringComparison.Ordinal);

    [Fact]
    public void SecureRound_Private_ReleasesThePlainPrivatePathsModelForTheSameUpdatesAndNoiseWithinQuantisationBound()
    {
        using var fixture = new EngineFixture(pipelines: KeyedNoise());
        var nodes = Enumerable.Range(0, Nodes).Select(i => $"node-{i}").ToArray();
        var run = fixture.StartRun(PrivateSecureConfig(), nodes);
        var plan = fixture.Engine.PollAssignment(nodes[0], run).Assignment!.Plan;
        using var round = PlayWithUnitLabels(fixture, run, nodes, seed: 21);

        // The plain private path over the same clipped updates, with the same keyed noise of the run's first step.
        var config = RunConfig.FromJson(PrivateSecureConfig());
        var strategy = Assert.IsType<DpFedAvgStrategy>(KeyedNoise().Create(config, CompiledModel.Compile(config.Spec)).Strategy);
        var aggregator = strategy.BeginRound(fixture.Engine.GetModel(run, 0));
        foreach (var node in nodes)
        {
            aggregator.Add(round.Deltas[node], new UpdateWeights(1, new Dictionary<string, long> { ["click"] = 1 }));
        }

        var expected = aggregator.Finish();
        var committed = fixture.Engine.GetModel(run, 1);

        // Each element of the decoded sum is off by at most ε = n / (2·scale); the release divides it by qN.
        Assert.Equal(1, plan.ClipNorm);
        Assert.Equal(1, round.Assignments[nodes[0]].MaxWeight);
        var bound = (round.Assignments[nodes[0]].CreateQuantizer().MaxSumError / Nodes) + 1e-6;
        for (var i = 0; i < expected.Values.Length; i++)
        {
            Assert.True(Math.Abs(committed.Values[i] - expected.Values[i]) <= bound, $"parameter {i}: {committed.Values[i]} vs {expected.Values[i]} (bound {bound})");
        }

        Assert.Equal(Nodes, fixture.Engine.ListRounds(run).Single(r => r.Round == round.Round).Updates);
    }

    [Fact]
    public void SecureRound_Private_NoiseAroundTheSumOverQNHasDeviationZSOverQN()
    {
        const double Z = 2;
        using var fixture = new EngineFixture(pipelines: KeyedNoise());
        var nodes = Enumerable.Range(0, Nodes).Select(i => $"node-{i}").ToArray();
        var run = fixture.StartRun(PrivateSecureConfig(noise: Z, model: WideItemModel), nodes);
        using var round = PlayWithUnitLabels(fixture, run, nodes, seed: 22);

        // Noise-free release: base + Σ clipped Δ / qN over every shared coordinate.
        var before = fixture.Engine.GetModel(run, 0);
        var noiseFree = new double[before.Values.Length];
        for (var i = 0; i < noiseFree.Length; i++)
        {
            noiseFree[i] = before.Values[i];
        }

        foreach (var delta in round.Deltas.Values)
        {
            foreach (var tensorDelta in delta.Tensors)
            {
                var tensor = before.Layout[tensorDelta.Name];
                var rows = tensorDelta.Rows ?? [.. Enumerable.Range(0, tensor.Rows)];
                for (var s = 0; s < rows.Length; s++)
                {
                    for (var j = 0; j < tensor.Columns; j++)
                    {
                        noiseFree[tensor.Offset + (rows[s] * tensor.Columns) + j] += tensorDelta.Values[(s * tensor.Columns) + j] / (double)Nodes;
                    }
                }
            }
        }

        var committed = fixture.Engine.GetModel(run, 1);
        var deviations = committed.Values.Select((v, i) => v - noiseFree[i]).ToArray();
        var mean = deviations.Average();
        var std = Math.Sqrt(deviations.Sum(d => (d - mean) * (d - mean)) / (deviations.Length - 1));

        // z·S/qN = 0.2; the sample deviation of n ≈ 4000 normal draws is within 4/√(2n) ≈ 4.5 % of it (4 standard errors).
        var expected = Z * 1.0 / Nodes;
        Assert.True(deviations.Length > 4000, $"{deviations.Length} coordinates");
        Assert.InRange(std, expected * (1 - (4 / Math.Sqrt(2.0 * deviations.Length))), expected * (1 + (4 / Math.Sqrt(2.0 * deviations.Length))));
        Assert.InRange(mean, -4 * expected / Math.Sqrt(deviations.Length), 4 * expected / Math.Sqrt(deviations.Length));
    }

    [Fact]
    public void SecureRound_PrivateWithFewerThanThreshold_ReleasesNothingCountsAStepAndIsRedrawn()
    {
        using var fixture = new EngineFixture(pipelines: KeyedNoise());
        var nodes = Enumerable.Range(0, 5).Select(i => $"node-{i}").ToArray();
        var run = fixture.StartRun(PrivateSecureConfig(minClients: 5, secure: """{ "threshold": 4 }""", maxRetries: 2), nodes);
        var plan = PrivacyPlan.From(RunConfig.FromJson(PrivateSecureConfig(minClients: 5, secure: """{ "threshold": 4 }""", maxRetries: 2)))!;
        using (var round = new SecureRoundHarness(fixture, run, nodes, seed: 23))
        {
            // Two of five share no keys: three remain, fewer than t = 4.
            round.Play(new Dictionary<string, int> { ["node-3"] = 1, ["node-4"] = 1 });
            Assert.Equal(SecAggPhaseKind.Failed, fixture.Engine.PollSecureAggregation("node-0", run, round.Round).Kind);
        }

        var afterFailure = fixture.Engine.GetRun(run);
        var oneStep = PrivacyLedger.Initial(plan).AfterRound(1).Spent.Epsilon;
        Assert.Equal(RoundState.Failed, fixture.Engine.ListRounds(run).Single(r => r.Round == 1).State);
        Assert.Equal(0, afterFailure.ModelVersion);
        Assert.Equal(RunStatus.Running, afterFailure.Status);
        Assert.Equal(oneStep, afterFailure.Privacy!.Value.Epsilon, 1e-9);

        // Redrawn: the next round commits, and its version's ledger counts both the failed attempt and itself.
        foreach (var node in nodes)
        {
            fixture.Engine.PollAssignment(node, run);
        }

        using var retry = new SecureRoundHarness(fixture, run, nodes, seed: 24);
        retry.Play();
        var twoSteps = PrivacyLedger.Initial(plan).AfterRound(1).AfterRound(1).Spent.Epsilon;
        Assert.Equal(1, fixture.Engine.GetRun(run).ModelVersion);
        Assert.Equal(twoSteps, fixture.Engine.GetRun(run).Privacy!.Value.Epsilon, 1e-9);
    }

    [Theory]
    [InlineData(2, RunStatus.Running)]
    [InlineData(0, RunStatus.Failed)]
    public void Restore_AfterAFailedPrivateSecureAttempt_LedgerStillCountsIt(int maxRetries, RunStatus status)
    {
        using var fixture = new EngineFixture(pipelines: KeyedNoise());
        var nodes = Enumerable.Range(0, 5).Select(i => $"node-{i}").ToArray();
        var config = PrivateSecureConfig(minClients: 5, secure: """{ "threshold": 4 }""", maxRetries: maxRetries);
        var run = fixture.StartRun(config, nodes);
        using (var round = new SecureRoundHarness(fixture, run, nodes, seed: 23))
        {
            round.Play(new Dictionary<string, int> { ["node-3"] = 1, ["node-4"] = 1 });
        }

        var oneStep = PrivacyLedger.Initial(PrivacyPlan.From(RunConfig.FromJson(config))!).AfterRound(1).Spent.Epsilon;
        Assert.Equal(status, fixture.Engine.GetRun(run).Status);
        Assert.Equal(oneStep, fixture.Engine.GetRun(run).Privacy!.Value.Epsilon, 1e-9);

        // A coordinator restarted before the next commit: the attempt is in no stored ledger, only in the rounds table.
        var restarted = new RoundEngine(fixture.Sqlite, fixture.Time, pipelines: KeyedNoise());
        restarted.Restore();

        var restored = restarted.GetRun(run);
        Assert.Equal(status, restored.Status);
        Assert.Equal(0, restored.ModelVersion);
        Assert.Equal(oneStep, restored.Privacy!.Value.Epsilon, 1e-9);
    }

    /// <summary>Plays one round where every node has labelled examples of the click task, so a = 1 for every group.</summary>
    private static SecureRoundHarness PlayWithUnitLabels(EngineFixture fixture, string run, string[] nodes, int seed)
    {
        var round = new SecureRoundHarness(fixture, run, nodes, seed);
        foreach (var node in nodes)
        {
            round.TaskExamples[node] = round.Examples[node];
        }

        round.Play();
        return round;
    }
}
