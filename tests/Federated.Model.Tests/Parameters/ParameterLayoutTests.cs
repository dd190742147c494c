using Federated.Model.Parameters;
using Federated.Model.Spec;
using Federated.Model.Tests.Network;

namespace Federated.Model.Tests.Parameters;

public sealed class ParameterLayoutTests
{
    [Theory]
    [InlineData(TrunkKind.SharedBottom)]
    [InlineData(TrunkKind.Mmoe)]
    [InlineData(TrunkKind.Ple)]
    public void FromSpec_AnyTrunk_TensorsTileTheBufferWithDenseFirst(TrunkKind kind)
    {
        var layout = ParameterLayout.FromSpec(TestModels.Small(kind, uncertainty: true));

        var offset = 0;
        var seenEmbedding = false;
        foreach (var tensor in layout.Tensors)
        {
            Assert.Equal(offset, tensor.Offset);
            offset = tensor.End;
            seenEmbedding |= tensor.Kind == TensorKind.Embedding;
            Assert.True(!seenEmbedding || tensor.Kind == TensorKind.Embedding, $"{tensor.Name} follows an embedding table");
        }

        Assert.Equal(offset, layout.TotalLength);
        Assert.Equal(layout.Tensors.Last(t => t.Kind != TensorKind.Embedding).End, layout.DenseLength);
    }

    [Fact]
    public void FromSpec_Mmoe_NamesShapesAndScopesFollowTheSpec()
    {
        var layout = ParameterLayout.FromSpec(TestModels.Small(TrunkKind.Mmoe, uncertainty: true));

        Assert.Equal((9 + 2, 6), (layout["expert/2/dense0/w"].Rows, layout["expert/2/dense0/w"].Columns));
        Assert.Equal(new[] { 3 }, layout["gate/click/b"].Shape);
        Assert.Equal((20, 4), (layout["emb/item"].Rows, layout["emb/item"].Columns));
        Assert.Equal(ParameterScope.Local, layout["emb/user"].Scope);
        Assert.Equal(ParameterScope.Local, layout["tower/click/dense0/w"].Scope);
        Assert.Equal(ParameterScope.Shared, layout["tower/conversion/out/w"].Scope);
        Assert.Equal(ParameterScope.Local, layout["uncertainty/rating"].Scope);
        Assert.Equal(ParameterScope.Shared, layout["gate/rating/w"].Scope);
        Assert.Throws<KeyNotFoundException>(() => layout["expert/3/dense0/w"]);
    }

    [Fact]
    public void FromSpec_TwoLevelPle_HasSharedGateOnlyBelowTheLastLevel()
    {
        var layout = ParameterLayout.FromSpec(TestModels.Small(TrunkKind.Ple));

        Assert.True(layout.TryGet("level0/gate/shared/w", out var gate));
        Assert.Equal(2 + (3 * 1), gate.Columns);
        Assert.False(layout.TryGet("level1/gate/shared/w", out _));
        Assert.Equal(5, layout["level1/expert/rating/0/dense0/w"].Rows);
    }

    [Fact]
    public void Initialize_SameSeed_SameValuesBitForBit_OtherSeedDiffers()
    {
        var spec = TestModels.Small(TrunkKind.Mmoe);
        var a = ParameterSet.Initialize(spec, 42);
        var b = ParameterSet.Initialize(spec, 42);
        var c = ParameterSet.Initialize(spec, 43);

        Assert.Equal(a.Values, b.Values);
        Assert.NotEqual(a.Values, c.Values);
        Assert.All(a.Layout.Tensors.Where(t => t.Kind == TensorKind.Bias), t => Assert.All(a[t].ToArray(), v => Assert.Equal(0f, v)));
        var weight = a.Layout["expert/0/dense0/w"];
        var bound = Math.Sqrt(6.0 / (weight.Rows + weight.Columns));
        Assert.All(a[weight].ToArray(), v => Assert.InRange(v, -bound, bound));
    }

    [Fact]
    public void Fingerprint_SameSpec_Equal_OtherSpec_Different()
    {
        Assert.Equal(ParameterLayout.FromSpec(TestModels.Small(TrunkKind.Mmoe)).Fingerprint, ParameterLayout.FromSpec(TestModels.Small(TrunkKind.Mmoe)).Fingerprint);
        Assert.NotEqual(ParameterLayout.FromSpec(TestModels.Small(TrunkKind.Mmoe)).Fingerprint, ParameterLayout.FromSpec(TestModels.Small(TrunkKind.Ple)).Fingerprint);
    }

    [Fact]
    public void CopyScopeFrom_Shared_CopiesOnlySharedTensors()
    {
        var spec = TestModels.Small(TrunkKind.Mmoe);
        var target = ParameterSet.Initialize(spec, 1);
        var source = ParameterSet.Initialize(spec, 2);
        var localBefore = target["emb/user"].ToArray();

        target.CopyScopeFrom(source, ParameterScope.Shared);

        Assert.Equal(source["emb/item"].ToArray(), target["emb/item"].ToArray());
        Assert.Equal(localBefore, target["emb/user"].ToArray());
    }
}
