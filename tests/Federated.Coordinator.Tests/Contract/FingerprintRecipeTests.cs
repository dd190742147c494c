using Federated.Model.Parameters;
using Federated.Model.Spec;

namespace Federated.Coordinator.Tests.Contract;

/// <summary>
/// The fingerprint recipe written in federation.proto, implemented independently (<see cref="FingerprintRecipe"/>),
/// gives the fingerprint the coordinator announces, for every trunk kind, local tensors and uncertainty weights included.
/// </summary>
public sealed class FingerprintRecipeTests
{
    /// <summary>Shared-bottom with numeric features, a local field, a local task and uncertainty weighting.</summary>
    private const string SharedBottom = """
        {
          "fields": [
            { "name": "item", "dim": 3, "buckets": 11, "scope": "shared" },
            { "name": "user", "dim": 2, "vocabulary": 5, "scope": "local" }
          ],
          "numeric": ["age", "price"],
          "trunk": { "kind": "shared-bottom", "hidden": [4, 3], "levels": 1 },
          "tasks": [
            { "name": "click", "kind": "binary", "tower": [2], "scope": "shared", "weight": 1 },
            { "name": "rating", "kind": "regression", "tower": [3, 2], "scope": "local", "weight": 1 }
          ],
          "uncertaintyWeighting": true
        }
        """;

    private const string Mmoe = """
        {
          "fields": [ { "name": "item", "dim": 2, "buckets": 7, "scope": "shared" } ],
          "numeric": [],
          "trunk": { "kind": "mmoe", "hidden": [3], "experts": 2, "levels": 1 },
          "tasks": [
            { "name": "click", "kind": "binary", "tower": [2], "scope": "shared", "weight": 1 },
            { "name": "buy", "kind": "binary", "tower": [2], "scope": "local", "weight": 1 }
          ]
        }
        """;

    private const string Ple = """
        {
          "fields": [
            { "name": "item", "dim": 2, "buckets": 9, "scope": "shared" },
            { "name": "user", "dim": 2, "vocabulary": 4, "scope": "local" }
          ],
          "numeric": ["x"],
          "trunk": { "kind": "ple", "hidden": [3, 2], "sharedExperts": 2, "taskExperts": 1, "levels": 2 },
          "tasks": [
            { "name": "click", "kind": "binary", "tower": [2], "scope": "shared", "weight": 1 },
            { "name": "rating", "kind": "regression", "tower": [2], "scope": "shared", "weight": 1 }
          ]
        }
        """;

    public static TheoryData<string> Specs => new() { SharedBottom, Mmoe, Ple, TestSpecs.SmallModel };

    [Theory]
    [MemberData(nameof(Specs))]
    public void Fingerprint_DocumentedRecipe_EqualsCompiledModelFingerprint(string specJson)
    {
        var model = CompiledModel.Compile(ModelSpec.FromJson(specJson));

        Assert.Equal(model.Fingerprint, FingerprintRecipe.Fingerprint(specJson));
    }

    [Theory]
    [MemberData(nameof(Specs))]
    public void Layout_DocumentedRecipe_ListsTheCompiledTensorsInOrder(string specJson)
    {
        var model = CompiledModel.Compile(ModelSpec.FromJson(specJson));
        var expected = model.Layout.Tensors.Select(t => new FingerprintRecipe.Entry(t.Name, t.Rows, t.Columns, t.Offset, t.Scope.ToString(), t.Kind.ToString()));

        Assert.Equal(expected, FingerprintRecipe.Layout(specJson));
    }

    [Fact]
    public void Fingerprint_OneTensorText_MatchesTheProtoExample()
    {
        // The proto's example line: `bottom/dense0/w:4x3@0:Shared:Weight;` is the first entry of a shared-bottom model
        // whose input width is 4 and first hidden width 3.
        const string spec = """
            {
              "fields": [ { "name": "item", "dim": 4, "buckets": 3, "scope": "shared" } ],
              "numeric": [],
              "trunk": { "kind": "shared-bottom", "hidden": [3], "levels": 1 },
              "tasks": [ { "name": "click", "kind": "binary", "tower": [1], "scope": "shared", "weight": 1 } ]
            }
            """;
        var first = FingerprintRecipe.Layout(spec)[0];

        Assert.Equal("bottom/dense0/w:4x3@0:Shared:Weight;", $"{first.Name}:{first.Rows}x{first.Columns}@{first.Offset}:{first.Scope}:{first.Kind};");
        Assert.Contains("`bottom/dense0/w:4x3@0:Shared:Weight;`", ContractFiles.FederationProto(), StringComparison.Ordinal);
        Assert.Equal(CompiledModel.Compile(ModelSpec.FromJson(spec)).Fingerprint, FingerprintRecipe.Fingerprint(spec));
    }
}
