using Federated.Model.Parameters;
using Federated.Model.Spec;

namespace Federated.Model.Tests.Spec;

public sealed class ModelSpecTests
{
    private const string Valid = """
        {
          "fields": [
            { "name": "item", "dim": 16, "buckets": 1000 },
            { "name": "user", "dim": 8, "vocabulary": 500, "scope": "local" },
            { "name": "genres", "dim": 4, "buckets": 32, "multiValued": true }
          ],
          "numeric": ["age"],
          "trunk": { "kind": "mmoe", "hidden": [32], "experts": 4 },
          "tasks": [
            { "name": "click", "kind": "binary", "tower": [16] },
            { "name": "conversion", "kind": "binary", "tower": [16], "weight": 0.5, "scope": "shared" },
            { "name": "rating", "kind": "regression", "tower": [8, 4] }
          ],
          "esmm": { "click": "click", "conversion": "conversion" },
          "l2": 1e-5,
          "dropout": 0.1
        }
        """;

    [Fact]
    public void FromJson_ValidSpec_ReadsEveryPart()
    {
        var spec = ModelSpec.FromJson(Valid);

        Assert.Equal(3, spec.Fields.Count);
        Assert.True(spec.Fields[0].IsHashed);
        Assert.Equal(ParameterScope.Local, spec.Fields[1].Scope);
        Assert.True(spec.Fields[2].MultiValued);
        Assert.Equal(TrunkKind.Mmoe, spec.Trunk.Kind);
        Assert.Equal(4, spec.Trunk.Experts);
        Assert.Equal(TaskKind.Regression, spec.Tasks[2].Kind);
        Assert.Equal(ParameterScope.Shared, spec.Tasks[1].Scope);
        Assert.Equal(ParameterScope.Local, spec.Tasks[0].Scope);
        Assert.Equal("conversion", spec.Esmm!.Conversion);
        Assert.Equal(16 + 8 + 4 + 1, spec.InputWidth);
    }

    [Fact]
    public void ToJson_RoundTrip_GivesAnEqualSpec()
    {
        var spec = ModelSpec.FromJson(Valid);
        var again = ModelSpec.FromJson(spec.ToJson());

        Assert.Equal(spec.ToJson(), again.ToJson());
        Assert.Contains("\"kind\": \"mmoe\"", spec.ToJson(), StringComparison.Ordinal);
    }

    [Fact]
    public void FromJson_SharedBottomKind_ReadsKebabCase()
    {
        var spec = ModelSpec.FromJson(Valid.Replace("\"kind\": \"mmoe\", \"hidden\": [32], \"experts\": 4", "\"kind\": \"shared-bottom\", \"hidden\": [32]", StringComparison.Ordinal));
        Assert.Equal(TrunkKind.SharedBottom, spec.Trunk.Kind);
    }

    [Theory]
    [InlineData("\"dim\": 16, \"buckets\": 1000", "\"dim\": 16, \"buckets\": 1000, \"colour\": 1", "colour")]
    [InlineData("\"dim\": 16, \"buckets\": 1000", "\"dim\": 0, \"buckets\": 1000", "fields[0].dim")]
    [InlineData("\"dim\": 16, \"buckets\": 1000", "\"dim\": 16", "fields[0]")]
    [InlineData("\"dim\": 16, \"buckets\": 1000", "\"dim\": 16, \"buckets\": 1000, \"vocabulary\": 5", "fields[0]")]
    [InlineData("{ \"name\": \"user\"", "{ \"name\": \"item\"", "fields[1].name")]
    [InlineData("\"tower\": [8, 4]", "\"tower\": []", "tasks[2].tower")]
    [InlineData("{ \"name\": \"rating\", \"kind\": \"regression\", \"tower\": [8, 4] }", "{ \"name\": \"rating\", \"kind\": \"regression\" }", "tasks[2].tower")]
    [InlineData("{ \"name\": \"rating\"", "{ \"name\": \"click\"", "tasks[2].name")]
    [InlineData("\"experts\": 4", "\"experts\": 0", "trunk.experts")]
    [InlineData("\"hidden\": [32]", "\"hidden\": []", "trunk.hidden")]
    [InlineData("\"kind\": \"mmoe\"", "\"kind\": \"transformer\"", "trunk.kind")]
    [InlineData("\"conversion\": \"conversion\" }", "\"conversion\": \"purchase\" }", "esmm.conversion")]
    [InlineData("\"conversion\": \"conversion\" }", "\"conversion\": \"rating\" }", "esmm")]
    [InlineData("\"dropout\": 0.1", "\"dropout\": 1", "dropout")]
    [InlineData("\"l2\": 1e-5", "\"l2\": -1", "l2")]
    [InlineData("\"weight\": 0.5", "\"weight\": -0.5", "tasks[1].weight")]
    [InlineData("\"numeric\": [\"age\"]", "\"numeric\": [\"age\", \"age\"]", "numeric[1]")]
    [InlineData("\"name\": \"genres\"", "\"name\": \"gen/res\"", "fields[2].name")]
    [InlineData("\"weight\": 0.5", "\"weight\": 0.5, \"positiveWeight\": 0", "tasks[1].positiveWeight")]
    [InlineData("\"weight\": 0.5", "\"weight\": 0.5, \"positiveWeight\": -2", "tasks[1].positiveWeight")]
    [InlineData("\"tower\": [8, 4]", "\"tower\": [8, 4], \"positiveWeight\": 3", "tasks[2].positiveWeight")]
    public void FromJson_InvalidValue_ThrowsNamingTheKey(string original, string replacement, string key)
    {
        var json = Valid.Replace(original, replacement, StringComparison.Ordinal);
        Assert.NotEqual(Valid, json);

        var error = Assert.Throws<ModelSpecException>(() => ModelSpec.FromJson(json));

        Assert.Contains(key, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromJson_MalformedJson_ThrowsModelSpecException()
    {
        Assert.Throws<ModelSpecException>(() => ModelSpec.FromJson("{ \"fields\": ["));
        Assert.Throws<ModelSpecException>(() => ModelSpec.FromJson("null"));
    }

    [Theory]
    [InlineData("\"kind\": \"binary\"", "\"kind\": \"ordinal\"", "tasks[0].kind", "'ordinal' is not one of: binary, regression")]
    [InlineData("\"kind\": \"mmoe\"", "\"kind\": \"ple \"", "trunk.kind", "'ple ' is not one of: shared-bottom, mmoe, ple")]
    [InlineData("\"scope\": \"local\"", "\"scope\": \"private\"", "fields[1].scope", "'private' is not one of: shared, local")]
    [InlineData("\"kind\": \"binary\"", "\"kind\": 0", "tasks[0].kind", "expected a string, one of: binary, regression")]
    public void FromJson_UnknownEnumName_ThrowsListingTheNamesWithoutDotNetTypes(string original, string replacement, string key, string reason)
    {
        var json = Valid.Replace(original, replacement, StringComparison.Ordinal);
        Assert.NotEqual(Valid, json);

        var error = Assert.Throws<ModelSpecException>(() => ModelSpec.FromJson(json));

        Assert.Equal(key, error.Key);
        Assert.Equal($"model spec: {key}: {reason}", error.Message);
    }

    [Theory]
    [InlineData("MMoE\", \"hidden\": [32], \"experts\": 4", "mmoe")]
    [InlineData("shared-bottom\", \"hidden\": [32]", "shared-bottom")]
    [InlineData("SharedBottom\", \"hidden\": [32]", "shared-bottom")]
    public void FromJson_EnumNameInAnotherCaseOrTheMembersOwnName_AcceptedAndWrittenKebabCase(string trunk, string written)
    {
        var json = Valid.Replace("mmoe\", \"hidden\": [32], \"experts\": 4", trunk, StringComparison.Ordinal);
        Assert.NotEqual(Valid, json);

        var spec = ModelSpec.FromJson(json);

        Assert.Contains($"\"kind\": \"{written}\"", spec.ToJson(), StringComparison.Ordinal);
    }

    [Fact]
    public void FromJson_PleWithoutTaskExperts_ThrowsNamingTheKey()
    {
        var json = Valid.Replace("\"kind\": \"mmoe\", \"hidden\": [32], \"experts\": 4", "\"kind\": \"ple\", \"hidden\": [32], \"sharedExperts\": 2", StringComparison.Ordinal);
        var error = Assert.Throws<ModelSpecException>(() => ModelSpec.FromJson(json));
        Assert.Equal("trunk.taskExperts", error.Key);
    }

    [Fact]
    public void ToJson_PositiveWeight_RoundTripsAndOldSpecsDoNotGainTheKey()
    {
        var plain = ModelSpec.FromJson(Valid);
        var weighted = ModelSpec.FromJson(Valid.Replace("\"weight\": 0.5", "\"weight\": 0.5, \"positiveWeight\": 12.5", StringComparison.Ordinal));

        var again = ModelSpec.FromJson(weighted.ToJson());

        Assert.Equal(12.5f, again.Tasks[1].PositiveWeight);
        Assert.Equal(12.5f, again.Tasks[1].EffectivePositiveWeight);
        Assert.Null(again.Tasks[0].PositiveWeight);
        Assert.Equal(1f, plain.Tasks[1].EffectivePositiveWeight);
        Assert.DoesNotContain("positiveWeight", plain.ToJson(), StringComparison.Ordinal);
    }

    [Fact]
    public void Fingerprint_PositiveWeight_LeavesTheLayoutFingerprintUnchanged()
    {
        var plain = ModelSpec.FromJson(Valid);
        var weighted = ModelSpec.FromJson(Valid.Replace("\"weight\": 0.5", "\"weight\": 0.5, \"positiveWeight\": 4", StringComparison.Ordinal));

        Assert.Equal(ParameterLayout.FromSpec(plain).Fingerprint, ParameterLayout.FromSpec(weighted).Fingerprint);
    }
}
