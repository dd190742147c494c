using Federated.Model.Parameters;
using Federated.Model.Spec;
using Federated.Model.Tests.Network;

namespace Federated.Model.Tests.Parameters;

public sealed class ParameterProjectionTests
{
    [Theory]
    [InlineData(TrunkKind.SharedBottom)]
    [InlineData(TrunkKind.Mmoe)]
    [InlineData(TrunkKind.Ple)]
    public void Project_Shared_SameTensorsInOrderReOffsetContiguouslyWithDenseFirst(TrunkKind kind)
    {
        var full = ParameterLayout.FromSpec(TestModels.Small(kind, uncertainty: true));

        var shared = full.Project(ParameterScope.Shared);

        var expected = full.InScope(ParameterScope.Shared).ToList();
        Assert.Equal(expected.Select(t => t.Name), shared.Tensors.Select(t => t.Name));
        var offset = 0;
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i] with { Offset = offset }, shared.Tensors[i]);
            Assert.Same(shared.Tensors[i], shared[expected[i].Name]);
            offset = shared.Tensors[i].End;
        }

        Assert.Equal(full.ScopeLength(ParameterScope.Shared), shared.TotalLength);
        Assert.Equal(offset, shared.TotalLength);
        Assert.Equal(shared.Tensors.Where(t => t.Kind != TensorKind.Embedding).Sum(t => t.Length), shared.DenseLength);
        Assert.All(shared.Tensors.Skip(shared.Tensors.Count(t => t.Kind != TensorKind.Embedding)), t => Assert.Equal(TensorKind.Embedding, t.Kind));
        Assert.NotEqual(full.Fingerprint, shared.Fingerprint);
        Assert.Equal(shared.Fingerprint, shared.Project(ParameterScope.Shared).Fingerprint);
    }

    [Fact]
    public void Project_SpecsDifferingOnlyInLocalTensors_HaveEqualProjectionFingerprints()
    {
        var spec = TestModels.Small(TrunkKind.Mmoe);
        var bigger = spec with { Fields = [spec.Fields[0], spec.Fields[1] with { Vocabulary = 99 }, spec.Fields[2]], UncertaintyWeighting = true };

        var a = ParameterLayout.FromSpec(spec);
        var b = ParameterLayout.FromSpec(bigger);

        Assert.NotEqual(a.Fingerprint, b.Fingerprint);
        Assert.Equal(a.Project(ParameterScope.Shared).Fingerprint, b.Project(ParameterScope.Shared).Fingerprint);
    }

    [Theory]
    [InlineData(TrunkKind.SharedBottom)]
    [InlineData(TrunkKind.Mmoe)]
    [InlineData(TrunkKind.Ple)]
    public void ProjectTo_ThenCopyTensorsFrom_RoundTripIsBitExactAndLeavesLocalTensors(TrunkKind kind)
    {
        var full = TestModels.RandomParameters(TestModels.Small(kind, uncertainty: true), 3);
        var shared = full.ProjectTo(full.Layout.Project(ParameterScope.Shared));
        var target = TestModels.RandomParameters(TestModels.Small(kind, uncertainty: true), 4);
        var localBefore = target.Layout.InScope(ParameterScope.Local).ToDictionary(t => t.Name, t => target[t].ToArray());

        target.CopyTensorsFrom(shared, ParameterScope.Shared);

        foreach (var tensor in full.Layout.Tensors)
        {
            var expected = tensor.Scope == ParameterScope.Shared ? full[tensor].ToArray() : localBefore[tensor.Name];
            Assert.Equal(Bits(expected), Bits(target[tensor].ToArray()));
        }

        var back = new ParameterSet(full.Layout);
        back.CopyTensorsFrom(shared, ParameterScope.Shared);
        Assert.Equal(Bits(shared.Values), Bits(back.ProjectTo(shared.Layout).Values));
    }

    [Fact]
    public void CopyTensorsFrom_ShapeMismatch_ThrowsNamingTheTensorAndCopiesNothing()
    {
        var spec = TestModels.Small(TrunkKind.Mmoe);
        var other = spec with { Fields = [spec.Fields[0] with { Vocabulary = 21 }, spec.Fields[1], spec.Fields[2]] };
        var target = ParameterSet.Initialize(spec, 1);
        var before = (float[])target.Values.Clone();
        var source = ParameterSet.Initialize(ParameterLayout.FromSpec(other).Project(ParameterScope.Shared), 2);

        var error = Assert.Throws<ArgumentException>(() => target.CopyTensorsFrom(source, ParameterScope.Shared));

        Assert.Contains("emb/item", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, target.Values);
    }

    [Fact]
    public void CopyTensorsFrom_MissingOrExtraTensor_ThrowsNamingIt()
    {
        var spec = TestModels.Small(TrunkKind.Mmoe);
        var deeper = spec with { Tasks = [spec.Tasks[0], spec.Tasks[1] with { Tower = [4, 4] }, spec.Tasks[2]] };
        var shallow = ParameterSet.Initialize(spec, 1);
        var deep = ParameterSet.Initialize(deeper, 1);
        const string extra = "tower/conversion/dense1/w";

        Assert.Contains(extra, Assert.Throws<ArgumentException>(() => shallow.CopyTensorsFrom(deep, ParameterScope.Shared)).Message, StringComparison.Ordinal);
        Assert.Contains(extra, Assert.Throws<ArgumentException>(() => deep.CopyTensorsFrom(shallow, ParameterScope.Shared)).Message, StringComparison.Ordinal);
        Assert.Contains(extra, Assert.Throws<ArgumentException>(() => shallow.ProjectTo(deep.Layout.Project(ParameterScope.Shared))).Message, StringComparison.Ordinal);
    }

    private static int[] Bits(float[] values) => [.. values.Select(BitConverter.SingleToInt32Bits)];
}
