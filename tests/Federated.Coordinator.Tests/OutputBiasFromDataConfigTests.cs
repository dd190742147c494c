using Federated.Coordinator.Runs;
using Federated.Coordinator.Tests.Rounds;

namespace Federated.Coordinator.Tests;

/// <summary>
/// A shared head that starts its output bias from data makes nodes send plaintext label statistics: a run with
/// differential privacy or secure aggregation refuses it, naming the key; local heads from data are not affected.
/// </summary>
public sealed class OutputBiasFromDataConfigTests
{
    // 'click' made local, so that the first shared head from data is tasks[1] ('rating').
    private static readonly string LocalClickModel = LabelStatisticsFixture.Model.Replace(
        "\"name\": \"click\", \"kind\": \"binary\", \"tower\": [2], \"scope\": \"shared\"", "\"name\": \"click\", \"kind\": \"binary\", \"tower\": [2], \"scope\": \"local\"", StringComparison.Ordinal);

    private const string Privacy = """
        "privacy": { "noiseMultiplier": 1, "clipNorm": 1, "delta": 1e-5, "sampleRate": 1, "expectedClients": 3 }
        """;

    private static string PrivateConfig(string model) =>
        TestSpecs.RunConfig(model: model, clipNorm: 10).Replace("\"strategy\": { \"name\": \"fedavg\" }", "\"strategy\": { \"name\": \"fedavg\" },\n" + Privacy, StringComparison.Ordinal);

    private static string SecureConfig(string model) =>
        SecureRoundTests.SecureConfig().Replace(TestSpecs.SmallModel, model, StringComparison.Ordinal);

    [Fact]
    public void FromJson_SharedHeadFromDataWithPrivacy_RefusedNamingTheTaskKey()
    {
        var e = Assert.Throws<RunConfigException>(() => RunConfig.FromJson(PrivateConfig(LocalClickModel)));

        Assert.Equal("model.tasks[1].outputBiasFromData", e.Key);
        Assert.Contains("differential privacy", e.Message, StringComparison.Ordinal);
        Assert.Contains("'rating'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromJson_SharedHeadFromDataWithSecureAggregation_RefusedNamingTheTaskKey()
    {
        var json = SecureConfig(LocalClickModel);
        Assert.Contains("outputBiasFromData", json, StringComparison.Ordinal);

        var e = Assert.Throws<RunConfigException>(() => RunConfig.FromJson(json));

        Assert.Equal("model.tasks[1].outputBiasFromData", e.Key);
        Assert.Contains("secure aggregation", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromJson_OnlyLocalHeadsFromDataWithPrivacyAndSecureAggregation_Accepted()
    {
        var localOnly = LocalClickModel.Replace(
            "\"name\": \"rating\", \"kind\": \"regression\", \"tower\": [2], \"scope\": \"shared\"", "\"name\": \"rating\", \"kind\": \"regression\", \"tower\": [2], \"scope\": \"local\"", StringComparison.Ordinal);

        var config = RunConfig.FromJson(PrivateConfig(localOnly));
        var secure = RunConfig.FromJson(SecureConfig(localOnly));

        Assert.All(config.Spec.Tasks, t => Assert.True(t.OutputBiasFromData));
        Assert.NotNull(secure.SecureAggregation);
    }

    [Fact]
    public void FromJson_SharedHeadFromDataWithoutPrivacy_Accepted()
    {
        var config = RunConfig.FromJson(LabelStatisticsFixture.Config());

        Assert.True(config.Spec.Tasks[0].OutputBiasFromData);
    }
}
