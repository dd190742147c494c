using Federated.Coordinator.Runs;
using Federated.Model.Optimization;
using Federated.Model.Spec;
using Federated.Model.Training;

namespace Federated.Coordinator.Tests;

public sealed class RunConfigTests
{
    private const string MinimalModel = """{"fields":[{"name":"item","dim":2,"buckets":10}],"trunk":{"kind":"shared-bottom","hidden":[3]},"tasks":[{"name":"click","tower":[2]}]}""";

    [Fact]
    public void FromJson_OmittedKeys_GetDocumentedDefaults()
    {
        var config = RunConfig.FromJson("""{ "model": """ + MinimalModel + "}");

        Assert.Equal(10, config.Rounds);
        Assert.Equal(1, config.MinClients);
        Assert.Equal(0.05f, config.Training.LearningRate);
        Assert.Equal("fedavg", config.Strategy.Name);
        Assert.Equal(NoQuorumPolicy.Retry, config.OnNoQuorum);
        var task = Assert.Single(config.Spec.Tasks);
        Assert.Equal(ParameterScope.Local, task.Scope);
        Assert.Equal(1f, task.Weight);
        Assert.Equal(1, config.Spec.Trunk.Levels);
        Assert.Empty(config.Spec.Numeric);
    }

    [Theory]
    [InlineData("\"rounds\": 0", "rounds")]
    [InlineData("\"minClients\": 0", "minClients")]
    [InlineData("\"quorum\": 5", "quorum")]
    [InlineData("\"nodesPerRound\": 2, \"fractionPerRound\": 0.5", "nodesPerRound")]
    [InlineData("\"fractionPerRound\": 1.5", "fractionPerRound")]
    [InlineData("\"roundDeadlineSeconds\": -1", "roundDeadlineSeconds")]
    [InlineData("\"onNoQuorum\": \"shrug\"", "$.onNoQuorum")]
    [InlineData("\"training\": { \"batchSize\": 0 }", "training.batchSize")]
    [InlineData("\"training\": { \"learningRate\": 0 }", "training.learningRate")]
    [InlineData("\"training\": { \"optimizer\": \"lbfgs\" }", "$.training.optimizer")]
    [InlineData("\"training\": { \"optimizer\": 1 }", "$.training.optimizer")]
    [InlineData("\"training\": { \"localEpochs\": 0 }", "training.localEpochs")]
    [InlineData("\"training\": { \"proximalMu\": -1 }", "training.proximalMu")]
    [InlineData("\"training\": null", "training")]
    [InlineData("\"training\": { \"clipNorm\": -1 }", "training.clipNorm")]
    [InlineData("\"strategy\": { \"name\": \"magic\" }", "strategy.name")]
    [InlineData("\"strategy\": { \"name\": \"fedavg\", \"parameters\": { \"momentum\": 0.9 } }", "strategy.parameters.momentum")]
    [InlineData("\"colour\": \"blue\"", "$.colour")]
    public void FromJson_InvalidValue_ErrorNamesTheKey(string entry, string key)
    {
        var e = Assert.Throws<RunConfigException>(() => RunConfig.FromJson("{ " + entry + ", \"model\": " + MinimalModel + " }"));

        Assert.Equal(key, e.Key);
        Assert.Contains(key, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{ "roundz": 3 }""", "$.roundz")]
    [InlineData("""{ "training": { "learningrate": 0.1 } }""", "$.training.learningrate")]
    public void FromJson_UnknownKey_ErrorNamesTheKeyWithoutDotNetTypes(string json, string key)
    {
        var e = Assert.Throws<RunConfigException>(() => RunConfig.FromJson(json));

        Assert.Equal(key, e.Key);
        Assert.Contains("is not a key of the run config", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(".NET", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Federated.", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"onNoQuorum\": \"wait\"", "$.onNoQuorum", "'wait' is not one of: retry, fail")]
    [InlineData("\"training\": { \"optimizer\": \"rmsprop\" }", "$.training.optimizer", "'rmsprop' is not one of: sgd, momentum, adam")]
    public void FromJson_UnknownEnumName_ErrorListsTheNames(string entry, string key, string reason)
    {
        var e = Assert.Throws<RunConfigException>(() => RunConfig.FromJson("{ " + entry + ", \"model\": " + MinimalModel + " }"));

        Assert.Equal(key, e.Key);
        Assert.EndsWith(reason, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Federated.", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromJson_ModelWithUnknownTaskKind_ErrorNamesTheModelKeyOnce()
    {
        var e = Assert.Throws<RunConfigException>(() => RunConfig.FromJson("""{ "model": {"fields":[{"name":"item","dim":2,"buckets":10}],"trunk":{"kind":"shared-bottom","hidden":[3]},"tasks":[{"name":"click","kind":"ordinal","tower":[2]}]} }"""));

        Assert.Equal("model.tasks[0].kind", e.Key);
        Assert.Contains("'ordinal' is not one of: binary, regression", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromJson_InvalidModel_ErrorNamesTheModelKey()
    {
        var e = Assert.Throws<RunConfigException>(() => RunConfig.FromJson("""{ "model": {"fields":[{"name":"item","dim":0,"buckets":10}],"trunk":{"kind":"shared-bottom","hidden":[3]},"tasks":[{"name":"click","tower":[2]}]} }"""));

        Assert.Equal("model.fields[0].dim", e.Key);
    }

    [Fact]
    public void FromJson_PartialTrainingSection_KeepsThePlanDefaultsOfTheOmittedKeys()
    {
        var config = RunConfig.FromJson("""{ "training": { "learningRate": 0.2, "optimizer": "momentum" }, "model": """ + MinimalModel + "}");

        Assert.Equal(LocalTrainingPlan.Default with { LearningRate = 0.2f, Optimizer = OptimizerKind.Momentum }, config.Training);
    }

    [Fact]
    public void ToJson_OptimizerWrittenByName()
    {
        var config = RunConfig.FromJson("""{ "training": { "optimizer": "adam" }, "model": """ + MinimalModel + "}");

        Assert.Contains("\"optimizer\": \"adam\"", config.ToJson(), StringComparison.Ordinal);
    }

    [Fact]
    public void ToJson_RoundTrips()
    {
        var config = RunConfig.FromJson(TestSpecs.RunConfig());

        var again = RunConfig.FromJson(config.ToJson());

        Assert.Equal(config.ToJson(), again.ToJson());
    }

    [Fact]
    public void ToJson_ModelWithFactorisationOptions_KeepsThemThroughTheStoredConfig()
    {
        const string model = """
            {"fields":[{"name":"item","dim":2,"buckets":10,"biasTasks":["rating"]},{"name":"user","dim":2,"buckets":10,"scope":"local","biasTasks":["rating"]}],
             "trunk":{"hidden":[3]},"tasks":[{"name":"rating","kind":"regression","tower":[2],"scope":"shared","outputBias":3.5,"outputBiasFromData":true}],
             "interaction":{"kind":"dot","fields":["user","item"],"tasks":["rating"]},"hashVersion":2}
            """;

        var again = RunConfig.FromJson(RunConfig.FromJson("""{ "model": """ + model + "}").ToJson()).Spec;

        Assert.Equal(["rating"], again.Fields[0].BiasTasks!);
        Assert.Equal(InteractionKind.Dot, again.Interaction!.Kind);
        Assert.Equal(2, again.EffectiveHashVersion);
        Assert.Equal(3.5f, again.Tasks[0].OutputBias);
        Assert.True(again.Tasks[0].OutputBiasFromData);
    }

    [Fact]
    public void FromJson_ModelWithBadInteraction_NamesTheModelKey()
    {
        const string model = """{"fields":[{"name":"item","dim":2,"buckets":10}],"trunk":{"hidden":[3]},"tasks":[{"name":"click","tower":[2]}],"interaction":{"fields":["item","user"],"tasks":["click"]}}""";

        var error = Assert.Throws<RunConfigException>(() => RunConfig.FromJson("""{ "model": """ + model + "}"));

        Assert.Contains("model.interaction.fields[1]", error.Message, StringComparison.Ordinal);
    }
}
