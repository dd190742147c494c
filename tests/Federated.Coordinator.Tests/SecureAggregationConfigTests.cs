using Federated.Coordinator.Runs;
using Federated.Coordinator.Tests.Rounds;

namespace Federated.Coordinator.Tests;

/// <summary>The run config's <c>secureAggregation</c> section: its defaults, and one clear refusal for each combination it cannot serve.</summary>
public sealed class SecureAggregationConfigTests
{
    [Fact]
    public void FromJson_EmptySection_GetsDocumentedDefaults()
    {
        var config = RunConfig.FromJson(SecureRoundTests.SecureConfig());

        Assert.NotNull(config.SecureAggregation);
        Assert.Null(config.SecureAggregation.Threshold);
        Assert.Equal(0, config.SecureAggregation.Neighbours);
        Assert.Equal(100_000, config.SecureAggregation.MaxWeight);
        Assert.Equal(60, config.SecureAggregation.PhaseTimeoutSeconds);
        Assert.Equal(7, config.SecureAggregation.ThresholdFor(10));
        Assert.Equal(2, config.SecureAggregation.ThresholdFor(2));
    }

    [Theory]
    [InlineData("""{ "threshold": 1 }""", "secureAggregation.threshold")]
    [InlineData("""{ "threshold": 11 }""", "secureAggregation.threshold")]
    [InlineData("""{ "neighbours": 3 }""", "secureAggregation.neighbours")]
    [InlineData("""{ "neighbours": 4, "threshold": 6 }""", "secureAggregation.threshold")]
    [InlineData("""{ "maxWeight": 0 }""", "secureAggregation.maxWeight")]
    [InlineData("""{ "phaseTimeoutSeconds": 0 }""", "secureAggregation.phaseTimeoutSeconds")]
    [InlineData("""{ "rounds": 3 }""", "$.secureAggregation.rounds")]
    public void FromJson_InvalidSection_ErrorNamesTheKey(string section, string key)
    {
        var e = Assert.Throws<RunConfigException>(() => RunConfig.FromJson(SecureRoundTests.SecureConfig(secure: section)));

        Assert.Equal(key, e.Key);
    }

    [Theory]
    [InlineData("\"name\": \"fedavg\"", "\"name\": \"median\"", "strategy.name", "sum")]
    [InlineData("\"name\": \"fedavg\"", "\"name\": \"fedavg\", \"parameters\": { \"normBoundMultiple\": 2 }", "strategy.parameters.normBoundMultiple", "sum")]
    [InlineData("\"clipNorm\": 1", "\"clipNorm\": 0", "training.clipNorm", "clip")]
    [InlineData("\"minClients\": 10", "\"minClients\": 10, \"nodesPerRound\": 300", "nodesPerRound", "255")]
    public void FromJson_IncompatibleSetting_IsRefusedWithOneClearError(string from, string to, string key, string reasonPart)
    {
        var json = SecureRoundTests.SecureConfig().Replace(from, to, StringComparison.Ordinal);

        var e = Assert.Throws<RunConfigException>(() => RunConfig.FromJson(json));

        Assert.Equal(key, e.Key);
        Assert.Contains(reasonPart, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromJson_PrivacyWithAdaptiveClip_IsRefusedNamingTheKey()
    {
        var json = PrivateSecureRoundTests.PrivateSecureConfig(noise: 0.5, clip: "\"adaptive\": {}");

        var e = Assert.Throws<RunConfigException>(() => RunConfig.FromJson(json));

        Assert.Equal("privacy.adaptive", e.Key);
        Assert.Contains("privacy.clipNorm", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(10, 1)]
    [InlineData(0, 1)]
    [InlineData(0.5, 0.5)]
    public void FromJson_PrivacyWithFixedClip_IsAcceptedAndNodesClipToAtMostS(double trainingClip, double nodeClip)
    {
        var json = PrivateSecureRoundTests.PrivateSecureConfig().Replace("\"clipNorm\": 10", "\"clipNorm\": " + trainingClip.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);

        var config = RunConfig.FromJson(json);

        Assert.Equal(nodeClip, SecureAggregationSettings.NodeClipNorm(config));
        Assert.Equal(1, config.SecureAggregation!.EffectiveMaxWeight(config));
    }

    [Fact]
    public void FromJson_SingleClient_IsRefused()
    {
        var e = Assert.Throws<RunConfigException>(() => RunConfig.FromJson(SecureRoundTests.SecureConfig(minClients: 1)));

        Assert.Equal("minClients", e.Key);
        Assert.Contains("sum of one update", e.Message, StringComparison.Ordinal);
    }
}
