using Federated.Model.Parameters;
using Federated.Model.Spec;
using Federated.Model.Tests.Network;

namespace Federated.Model.Tests.Spec;

public sealed class TensorNameCollisionTests
{
    [Fact]
    public void Validate_PleTaskNamedShared_ThrowsNamingTheTaskKey()
    {
        var spec = WithTaskName(TrunkKind.Ple, 1, "shared");

        var error = Assert.Throws<ModelSpecException>(spec.Validate);

        Assert.Equal("tasks[1].name", error.Key);
        Assert.Contains("level0/expert/shared/0", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromSpec_PleTaskNamedShared_ThrowsModelSpecExceptionNotArgumentException()
    {
        var error = Assert.Throws<ModelSpecException>(() => ParameterLayout.FromSpec(WithTaskName(TrunkKind.Ple, 2, "shared")));

        Assert.Equal("tasks[2].name", error.Key);
    }

    [Theory]
    [InlineData(TrunkKind.SharedBottom)]
    [InlineData(TrunkKind.Mmoe)]
    public void FromSpec_TaskNamedSharedWithoutPle_IsAcceptedWithUniqueNames(TrunkKind kind)
    {
        var layout = ParameterLayout.FromSpec(WithTaskName(kind, 0, "shared"));

        Assert.Equal(layout.Tensors.Count, layout.Tensors.Select(t => t.Name).Distinct(StringComparer.Ordinal).Count());
        Assert.All(layout.OfTask("shared"), t => Assert.Contains(t.Role, new[] { TensorRole.Gate, TensorRole.Tower }));
        Assert.Equal(kind == TrunkKind.Mmoe ? 6 : 4, layout.OfTask("shared").Count());
    }

    [Theory]
    [InlineData(TrunkKind.SharedBottom)]
    [InlineData(TrunkKind.Mmoe)]
    [InlineData(TrunkKind.Ple)]
    public void FromSpec_NamesThatLookLikeTensorNameSegments_DoNotCollide(TrunkKind kind)
    {
        // 'out' sits where a tower's 'out' layer does; the others mimic the fixed segments of other tensors' names.
        string[] names = ["out", "dense0", "w", "b", "0", "level0", "gate", "expert", "emb", "tower", "uncertainty", "bottom"];
        var spec = TestModels.Small(kind, uncertainty: true);
        spec = spec with
        {
            Tasks = [.. names.Select(n => spec.Tasks[0] with { Name = n })],
            Fields = [.. spec.Fields, .. names.Select(n => spec.Fields[0] with { Name = n })],
        };

        var layout = ParameterLayout.FromSpec(spec);

        Assert.Equal(layout.Tensors.Count, layout.Tensors.Select(t => t.Name).Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(["tower/out/dense0/w", "tower/out/dense0/b", "tower/out/out/w", "tower/out/out/b"], layout.OfTask("out").Where(t => t.Role == TensorRole.Tower).Select(t => t.Name));
    }

    [Theory]
    [InlineData("tasks", "a/b", "tasks[1].name")]
    [InlineData("fields", "a/b", "fields[2].name")]
    [InlineData("numeric", "a/b", "numeric[1]")]
    public void Validate_NameWithSlash_ThrowsNamingTheKey(string part, string name, string key)
    {
        var spec = TestModels.Small(TrunkKind.Mmoe);
        spec = part switch
        {
            "tasks" => spec with { Tasks = [spec.Tasks[0], spec.Tasks[1] with { Name = name }, spec.Tasks[2]] },
            "fields" => spec with { Fields = [spec.Fields[0], spec.Fields[1], spec.Fields[2] with { Name = name }] },
            _ => spec with { Numeric = [spec.Numeric[0], name] },
        };

        var error = Assert.Throws<ModelSpecException>(spec.Validate);

        Assert.Equal(key, error.Key);
        Assert.Contains("'/'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_CollidingSpecPastValidation_ThrowsModelSpecExceptionNamingTheDeclaration()
    {
        // Validation rejects this spec; the builder's own check is the safety net for a rule validation might miss.
        var error = Assert.Throws<ModelSpecException>(() => LayoutBuilder.Build(WithTaskName(TrunkKind.Ple, 1, "shared")));

        Assert.Equal("tasks[1]", error.Key);
        Assert.Contains("level0/expert/shared/0/dense0/w", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Add_SameNameTwice_ThrowsModelSpecException()
    {
        var builder = new LayoutBuilder();
        builder.Add("x/w", 2, 3, ParameterScope.Shared, TensorKind.Weight, new TensorOrigin("trunk", TensorRole.Trunk));

        var error = Assert.Throws<ModelSpecException>(() => builder.Add("x/w", 1, 1, ParameterScope.Local, TensorKind.Bias, new TensorOrigin("tasks[0]", TensorRole.Tower, "t")));

        Assert.Equal("tasks[0]", error.Key);
        Assert.Single(builder.Tensors);
    }

    private static ModelSpec WithTaskName(TrunkKind kind, int index, string name)
    {
        var spec = TestModels.Small(kind);
        return spec with { Tasks = [.. spec.Tasks.Select((t, i) => i == index ? t with { Name = name } : t)] };
    }
}
