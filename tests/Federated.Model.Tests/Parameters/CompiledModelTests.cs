using Federated.Model.Parameters;
using Federated.Model.Spec;
using Federated.Model.Tests.Network;

namespace Federated.Model.Tests.Parameters;

public sealed class CompiledModelTests
{
    [Theory]
    [InlineData(TrunkKind.SharedBottom)]
    [InlineData(TrunkKind.Mmoe)]
    [InlineData(TrunkKind.Ple)]
    public void Compile_AnyTrunk_LayoutAndFingerprintAreThoseOfFromSpec(TrunkKind kind)
    {
        var spec = TestModels.Small(kind, uncertainty: true);

        var model = CompiledModel.Compile(spec);

        var expected = ParameterLayout.FromSpec(spec);
        Assert.Same(spec, model.Spec);
        Assert.Equal(expected.Tensors, model.Layout.Tensors);
        Assert.Equal(expected.Fingerprint, model.Fingerprint);
        Assert.Equal(expected.Project(ParameterScope.Shared).Fingerprint, model.SharedLayout.Fingerprint);
        Assert.Equal(spec.Tasks, model.Tasks);
    }

    [Fact]
    public void Compile_InvalidSpec_ThrowsModelSpecException()
    {
        var spec = TestModels.Small(TrunkKind.Ple);

        var error = Assert.Throws<ModelSpecException>(() => CompiledModel.Compile(spec with { Tasks = [spec.Tasks[0] with { Name = "shared" }] }));

        Assert.Equal("tasks[0].name", error.Key);
    }

    [Fact]
    public void TaskOf_TensorOfEitherLayout_GivesItsTask()
    {
        var model = CompiledModel.Compile(TestModels.Small(TrunkKind.Ple));

        Assert.Equal("conversion", model.TaskOf(model.SharedLayout["tower/conversion/out/w"]));
        Assert.Equal("click", model.TaskOf(model.Layout["level1/gate/click/b"]));
        Assert.Null(model.TaskOf(model.SharedLayout["level0/gate/shared/w"]));
        Assert.Equal(TensorRole.Gate, model.RoleOf(model.SharedLayout["level0/gate/shared/w"]));
        Assert.Throws<KeyNotFoundException>(() => model.TaskOf(new TensorInfo("nope", 1, 1, 0, ParameterScope.Shared, TensorKind.Bias)));
    }

    [Fact]
    public void TensorsOf_Task_IncludesLocalTowerAndSharedGates()
    {
        var model = CompiledModel.Compile(TestModels.Small(TrunkKind.Mmoe, uncertainty: true));

        var click = model.TensorsOf("click");

        Assert.Equal(model.Layout.OfTask("click"), click);
        Assert.Contains(click, t => t.Role == TensorRole.Tower && t.Scope == ParameterScope.Local);
        Assert.Contains(click, t => t.Role == TensorRole.Gate && t.Scope == ParameterScope.Shared);
        Assert.Contains(click, t => t.Role == TensorRole.LossWeight);
        Assert.Throws<KeyNotFoundException>(() => model.TensorsOf("nope"));
    }

    [Fact]
    public void SharedTensors_Embedding_OnlySharedTablesWithProjectionOffsets()
    {
        var model = CompiledModel.Compile(TestModels.Small(TrunkKind.Mmoe));

        var tables = model.SharedTensors(TensorRole.Embedding).ToList();

        Assert.Equal(["item", "genres"], tables.Select(t => t.Field));
        Assert.Equal(model.SharedLayout.DenseLength, tables[0].Offset);
        Assert.Equal(model.SharedLayout.TotalLength, tables[^1].End);
    }

    [Theory]
    [InlineData(TrunkKind.SharedBottom)]
    [InlineData(TrunkKind.Mmoe)]
    [InlineData(TrunkKind.Ple)]
    public void InitializeShared_Seed_EqualsSharedTensorsOfFullInitializeBitForBit(TrunkKind kind)
    {
        var model = CompiledModel.Compile(TestModels.Small(kind, uncertainty: true));

        var shared = model.InitializeShared(11);

        var full = ParameterSet.Initialize(ParameterLayout.FromSpec(model.Spec), 11);
        Assert.Same(model.SharedLayout, shared.Layout);
        foreach (var tensor in model.SharedLayout.Tensors)
        {
            Assert.Equal(
                full[tensor.Name].ToArray().Select(BitConverter.SingleToInt32Bits),
                shared[tensor].ToArray().Select(BitConverter.SingleToInt32Bits));
        }
    }
}
