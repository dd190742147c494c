using Federated.Model.Parameters;
using Federated.Model.Spec;

namespace Federated.Model.Tests.Spec;

/// <summary>The spec options of biased MF and NeuMF-like models, output biases from data and the token hash version.</summary>
public sealed class FactorisationSpecTests
{
    private const string Old = """
        {
          "fields": [
            { "name": "item", "dim": 4, "buckets": 100 },
            { "name": "user", "dim": 4, "buckets": 50, "scope": "local" }
          ],
          "trunk": { "kind": "shared-bottom", "hidden": [8] },
          "tasks": [
            { "name": "rating", "kind": "regression", "tower": [4] },
            { "name": "like", "kind": "binary", "tower": [4] }
          ]
        }
        """;

    private const string Factorised = """
        {
          "fields": [
            { "name": "item", "dim": 4, "buckets": 100, "biasTasks": ["rating", "like"] },
            { "name": "user", "dim": 4, "buckets": 50, "scope": "local", "biasTasks": ["rating"] }
          ],
          "trunk": { "kind": "shared-bottom", "hidden": [8] },
          "tasks": [
            { "name": "rating", "kind": "regression", "tower": [4], "outputBiasFromData": true, "outputBias": 3.5 },
            { "name": "like", "kind": "binary", "tower": [4] }
          ],
          "interaction": { "kind": "dot", "fields": ["user", "item"], "tasks": ["rating"] },
          "hashVersion": 2
        }
        """;

    [Fact]
    public void FromJson_SpecWithoutNewKeys_MeansWhatItMeantBefore()
    {
        var spec = ModelSpec.FromJson(Old);

        Assert.Null(spec.HashVersion);
        Assert.Equal(1, spec.EffectiveHashVersion);
        Assert.Null(spec.Interaction);
        Assert.All(spec.Fields, f => Assert.Equal(f.Dim, f.Columns));
        Assert.All(spec.Tasks, t => Assert.False(t.OutputBiasFromData));
        Assert.All(spec.Tasks, t => Assert.Equal(0f, t.OutputBias));
        Assert.Equal(8, spec.InputWidth);
    }

    [Fact]
    public void ToJson_SpecWithoutNewOptions_WritesNoNewKey()
    {
        var json = ModelSpec.FromJson(Old).ToJson();

        foreach (var key in new[] { "biasTasks", "interaction", "hashVersion", "outputBias", "columns", "effectiveHashVersion" })
        {
            Assert.DoesNotContain(key, json, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void FromJson_FactorisationOptions_ReadAndRoundTrip()
    {
        var spec = ModelSpec.FromJson(Factorised);
        var again = ModelSpec.FromJson(spec.ToJson());

        foreach (var s in new[] { spec, again })
        {
            Assert.Equal(["rating", "like"], s.Fields[0].BiasTasks!);
            Assert.Equal(6, s.Fields[0].Columns);
            Assert.Equal(5, s.Fields[1].Columns);
            Assert.Equal(InteractionKind.Dot, s.Interaction!.Kind);
            Assert.Equal(["user", "item"], s.Interaction.Fields);
            Assert.Equal(2, s.EffectiveHashVersion);
            Assert.True(s.Tasks[0].OutputBiasFromData);
            Assert.Equal(3.5f, s.Tasks[0].OutputBias);
        }

        var layout = ParameterLayout.FromSpec(spec);
        Assert.Equal(6, layout["emb/item"].Columns);
        Assert.Equal(5, layout["emb/user"].Columns);
        Assert.Equal(ParameterScope.Local, layout["emb/user"].Scope);
    }

    [Fact]
    public void InputWidth_ProductInteraction_AppendsOneFieldWidth()
    {
        var spec = ModelSpec.FromJson(Factorised.Replace("\"kind\": \"dot\", \"fields\": [\"user\", \"item\"], \"tasks\": [\"rating\"]", "\"kind\": \"product\", \"fields\": [\"user\", \"item\"]", StringComparison.Ordinal));

        Assert.Equal(InteractionKind.Product, spec.Interaction!.Kind);
        Assert.Equal(12, spec.InputWidth);
        Assert.Equal(12, ParameterLayout.FromSpec(spec)["bottom/dense0/w"].Rows);
    }

    [Theory]
    [InlineData("\"biasTasks\": [\"rating\"]", "\"biasTasks\": [\"click\"]", "fields[1].biasTasks[0]")]
    [InlineData("\"biasTasks\": [\"rating\"]", "\"biasTasks\": [\"rating\", \"rating\"]", "fields[1].biasTasks[1]")]
    [InlineData("\"fields\": [\"user\", \"item\"]", "\"fields\": [\"user\"]", "interaction.fields")]
    [InlineData("\"fields\": [\"user\", \"item\"]", "\"fields\": [\"user\", \"user\"]", "interaction.fields")]
    [InlineData("\"fields\": [\"user\", \"item\"]", "\"fields\": [\"user\", \"movie\"]", "interaction.fields[1]")]
    [InlineData("\"tasks\": [\"rating\"] }", "\"tasks\": [] }", "interaction.tasks")]
    [InlineData("\"kind\": \"dot\"", "\"kind\": \"product\"", "interaction.tasks")]
    [InlineData("\"kind\": \"dot\"", "\"kind\": \"cosine\"", "interaction.kind")]
    [InlineData("\"dim\": 4, \"buckets\": 50", "\"dim\": 3, \"buckets\": 50", "interaction.fields")]
    [InlineData("\"hashVersion\": 2", "\"hashVersion\": 3", "hashVersion")]
    [InlineData("\"outputBias\": 3.5", "\"outputBias\": \"NaN\"", "outputBias")]
    public void FromJson_InvalidFactorisationOption_ThrowsNamingTheKey(string original, string replacement, string key)
    {
        var json = Factorised.Replace(original, replacement, StringComparison.Ordinal);
        Assert.NotEqual(Factorised, json);

        var error = Assert.Throws<ModelSpecException>(() => ModelSpec.FromJson(json));

        Assert.Contains(key, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Initialize_FactorisedSpec_BiasColumnsZeroAndOutputBiasSet()
    {
        var spec = ModelSpec.FromJson(Factorised);
        var model = CompiledModel.Compile(spec);

        foreach (var set in new[] { model.Initialize(7), ParameterSet.Initialize(spec, 7) })
        {
            var item = set["emb/item"];
            for (var row = 0; row < 100; row++)
            {
                Assert.Equal(0f, item[(row * 6) + 4]);
                Assert.Equal(0f, item[(row * 6) + 5]);
                Assert.NotEqual(0f, item[row * 6]);
            }

            Assert.Equal(3.5f, set["tower/rating/out/b"][0]);
            Assert.Equal(0f, set["tower/like/out/b"][0]);
        }
    }

    [Fact]
    public void Initialize_SpecWithoutNewOptions_EqualsTheLayoutsSeededDraw()
    {
        var spec = ModelSpec.FromJson(Old);
        var layout = ParameterLayout.FromSpec(spec);

        Assert.Equal(ParameterSet.Initialize(layout, 9).Values, CompiledModel.Compile(spec).Initialize(9).Values);
    }

    [Fact]
    public void OutputBiasStatistics_MergedCounts_GiveMeanAndClampedLogit()
    {
        var a = OutputBiasStatistics.Of([4f, float.NaN, 2f]);
        var b = OutputBiasStatistics.Of([3f]);

        Assert.Equal(3f, (a + b).Bias(TaskKind.Regression), 1e-6f);
        Assert.Equal(0f, default(OutputBiasStatistics).Bias(TaskKind.Binary));
        Assert.Equal(Math.Log(0.25 / 0.75), new OutputBiasStatistics(4, 1).Bias(TaskKind.Binary), 1e-6);
        Assert.Equal(Math.Log(0.999 / 0.001), new OutputBiasStatistics(5, 5).Bias(TaskKind.Binary), 1e-4);
        Assert.Equal(-Math.Log(0.999 / 0.001), new OutputBiasStatistics(5, 0).Bias(TaskKind.Binary), 1e-4);
    }
}
