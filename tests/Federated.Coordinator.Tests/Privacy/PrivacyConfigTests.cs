using Federated.Coordinator.Aggregation.Privacy;
using Federated.Coordinator.Privacy;
using Federated.Coordinator.Runs;

namespace Federated.Coordinator.Tests.Privacy;

/// <summary>The run config's <c>privacy</c> section: defaults, calibration, and errors that name the key.</summary>
public sealed class PrivacyConfigTests
{
    private const string Model = """{"fields":[{"name":"item","dim":2,"buckets":10}],"trunk":{"kind":"shared-bottom","hidden":[3]},"tasks":[{"name":"click","tower":[2],"scope":"shared"}]}""";

    [Fact]
    public void FromJson_NoPrivacySection_NoPlanAndTheSameJsonAsBefore()
    {
        var config = RunConfig.FromJson(Config(privacy: null));
        Assert.Null(config.Privacy);
        Assert.Null(PrivacyPlan.From(config));
        Assert.DoesNotContain("privacy", config.ToJson(), StringComparison.Ordinal);
    }

    [Fact]
    public void From_AdaptiveWithDefaults_TakesTffDefaultsAndSplitsTheNoise()
    {
        var config = RunConfig.FromJson(Config("""{ "noiseMultiplier": 1, "delta": 1e-5, "sampleRate": 0.1, "adaptive": {} }""", nodesPerRound: 100));
        var plan = PrivacyPlan.From(config)!;

        Assert.Equal(100, plan.ExpectedClients);
        Assert.Equal(0.1, plan.InitialClip);
        Assert.Equal(new AdaptiveClippingPlan(0.5, 0.2, 5), plan.Adaptive);
        Assert.Equal(1, plan.NoiseMultiplier);
        Assert.Equal(1.005037815259212, plan.UpdateNoiseMultiplier, 1e-12);
        Assert.Contains("\"privacy\"", config.ToJson(), StringComparison.Ordinal);
        Assert.Equal(plan, PrivacyPlan.From(RunConfig.FromJson(config.ToJson())));
    }

    [Fact]
    public void From_TargetEpsilon_CalibratesZOverTheRunsRoundsWithoutOvershooting()
    {
        var config = RunConfig.FromJson(Config("""{ "targetEpsilon": 2, "delta": 1e-5, "sampleRate": 0.05, "clipNorm": 0.5, "expectedClients": 20 }""", rounds: 50));
        var plan = PrivacyPlan.From(config)!;

        Assert.Equal(plan.NoiseMultiplier, plan.UpdateNoiseMultiplier);
        var spent = RdpAccountant.Epsilon(0.05, plan.NoiseMultiplier, 50, 1e-5);
        Assert.InRange(spent.Epsilon, 2 * 0.999, 2);
    }

    [Theory]
    [InlineData("""{ "delta": 1e-5, "sampleRate": 0.1, "clipNorm": 1 }""", "privacy.noiseMultiplier")]
    [InlineData("""{ "noiseMultiplier": 1, "targetEpsilon": 3, "delta": 1e-5, "sampleRate": 0.1, "clipNorm": 1 }""", "privacy.noiseMultiplier")]
    [InlineData("""{ "noiseMultiplier": 0, "delta": 1e-5, "sampleRate": 0.1, "clipNorm": 1 }""", "privacy.noiseMultiplier")]
    [InlineData("""{ "noiseMultiplier": 1, "calibrationRounds": 2, "delta": 1e-5, "sampleRate": 0.1, "clipNorm": 1 }""", "privacy.calibrationRounds")]
    [InlineData("""{ "targetEpsilon": 3, "calibrationRounds": 0, "delta": 1e-5, "sampleRate": 0.1, "clipNorm": 1 }""", "privacy.calibrationRounds")]
    [InlineData("""{ "targetEpsilon": -1, "delta": 1e-5, "sampleRate": 0.1, "clipNorm": 1 }""", "privacy.targetEpsilon")]
    [InlineData("""{ "noiseMultiplier": 1, "sampleRate": 0.1, "clipNorm": 1 }""", "privacy.delta")]
    [InlineData("""{ "noiseMultiplier": 1, "delta": 1, "sampleRate": 0.1, "clipNorm": 1 }""", "privacy.delta")]
    [InlineData("""{ "noiseMultiplier": 1, "delta": 1e-5, "clipNorm": 1 }""", "privacy.sampleRate")]
    [InlineData("""{ "noiseMultiplier": 1, "delta": 1e-5, "sampleRate": 1.5, "clipNorm": 1 }""", "privacy.sampleRate")]
    [InlineData("""{ "noiseMultiplier": 1, "delta": 1e-5, "sampleRate": 0.1 }""", "privacy.clipNorm")]
    [InlineData("""{ "noiseMultiplier": 1, "delta": 1e-5, "sampleRate": 0.1, "clipNorm": -2 }""", "privacy.clipNorm")]
    [InlineData("""{ "noiseMultiplier": 1, "delta": 1e-5, "sampleRate": 0.1, "clipNorm": 1, "adaptive": {} }""", "privacy.clipNorm")]
    [InlineData("""{ "noiseMultiplier": 1, "delta": 1e-5, "sampleRate": 0.1, "adaptive": { "targetQuantile": 2 } }""", "privacy.adaptive.targetQuantile")]
    [InlineData("""{ "noiseMultiplier": 1, "delta": 1e-5, "sampleRate": 0.1, "adaptive": { "initialClip": 0 } }""", "privacy.adaptive.initialClip")]
    [InlineData("""{ "noiseMultiplier": 1, "delta": 1e-5, "sampleRate": 0.1, "adaptive": { "learningRate": 0 } }""", "privacy.adaptive.learningRate")]
    [InlineData("""{ "noiseMultiplier": 1, "delta": 1e-5, "sampleRate": 0.1, "adaptive": { "countNoise": 0.5 } }""", "privacy.adaptive.countNoise")]
    [InlineData("""{ "noiseMultiplier": 1, "delta": 1e-5, "sampleRate": 0.1, "clipNorm": 1, "expectedClients": 0 }""", "privacy.expectedClients")]
    [InlineData("""{ "noiseMultiplier": 1, "delta": 1e-5, "sampleRate": 0.1, "clipNorm": 1, "noise": 3 }""", "$.privacy.noise")]
    [InlineData("""{ "noiseMultiplier": 1, "delta": 1e-5, "sampleRate": 0.1, "adaptive": { "quantile": 0.5 } }""", "$.privacy.adaptive.quantile")]
    public void FromJson_InvalidPrivacy_ErrorNamesTheKey(string privacy, string key)
    {
        var e = Assert.Throws<RunConfigException>(() => RunConfig.FromJson(Config(privacy, nodesPerRound: 10)));
        Assert.Equal(key, e.Key);
        Assert.StartsWith($"run config: {key}: ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromJson_AdaptiveCountNoiseDefaultTooSmall_ErrorSaysWhy()
    {
        // Four expected clients: σ_b = 4/20 = 0.2, so z = 1 ≥ 2σ_b would spend the whole budget on the count.
        var e = Assert.Throws<RunConfigException>(() => RunConfig.FromJson(Config("""{ "noiseMultiplier": 1, "delta": 1e-5, "sampleRate": 0.5, "adaptive": {} }""", nodesPerRound: 4)));
        Assert.Equal("privacy.adaptive.countNoise", e.Key);
        Assert.Contains("expectedClients / 20", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromJson_NoNodesPerRoundNorExpectedClients_ErrorNamesExpectedClients()
    {
        var e = Assert.Throws<RunConfigException>(() => RunConfig.FromJson(Config("""{ "noiseMultiplier": 1, "delta": 1e-5, "sampleRate": 0.1, "clipNorm": 1 }""")));
        Assert.Equal("privacy.expectedClients", e.Key);
    }

    [Theory]
    [InlineData("""{ "name": "median" }""", "strategy.name")]
    [InlineData("""{ "name": "trimmed-mean", "parameters": { "beta": 0.1 } }""", "strategy.name")]
    [InlineData("""{ "name": "krum", "parameters": { "f": 1 } }""", "strategy.name")]
    [InlineData("""{ "name": "fedavg", "parameters": { "normBoundMultiple": 3 } }""", "strategy.parameters.normBoundMultiple")]
    [InlineData("""{ "name": "fedadam", "parameters": { "normBoundMultiple": 3 } }""", "strategy.parameters.normBoundMultiple")]
    public void FromJson_PrivacyWithARobustRuleOrTheNormBound_IsRefused(string strategy, string key)
    {
        var json = Config("""{ "noiseMultiplier": 1, "delta": 1e-5, "sampleRate": 0.1, "clipNorm": 1 }""", nodesPerRound: 10, minClients: 10, strategy: strategy);
        var e = Assert.Throws<RunConfigException>(() => RunConfig.FromJson(json));
        Assert.Equal(key, e.Key);
        Assert.Contains("privacy", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("fedavgm")]
    [InlineData("fedadam")]
    public void FromJson_PrivacyWithAServerOptimiser_IsAccepted(string name)
    {
        var config = RunConfig.FromJson(Config("""{ "noiseMultiplier": 1, "delta": 1e-5, "sampleRate": 0.1, "clipNorm": 1 }""", nodesPerRound: 10, strategy: $$"""{ "name": "{{name}}" }"""));
        Assert.NotNull(PrivacyPlan.From(config));
    }

    private static string Config(string? privacy, int rounds = 10, int? nodesPerRound = null, int minClients = 1, string strategy = """{ "name": "fedavg" }""") =>
        "{ \"model\": " + Model
        + $", \"rounds\": {rounds}, \"minClients\": {minClients}"
        + (nodesPerRound is { } n ? $", \"nodesPerRound\": {n}" : "")
        + ", \"strategy\": " + strategy
        + (privacy is null ? "" : ", \"privacy\": " + privacy)
        + " }";
}
