using Federated.Model.Parameters;
using Federated.Model.Spec;
using Federated.Model.Tests.Network;

namespace Federated.Model.Tests.Parameters;

public sealed class TensorRoleTests
{
    [Fact]
    public void FromSpec_SharedBottom_BottomIsTrunkTowersAndLossWeightsBelongToTheirTask()
    {
        var layout = ParameterLayout.FromSpec(TestModels.Small(TrunkKind.SharedBottom, uncertainty: true));

        AssertRole(layout["bottom/dense1/w"], TensorRole.Trunk, null);
        AssertRole(layout["tower/click/dense0/b"], TensorRole.Tower, "click");
        AssertRole(layout["tower/rating/out/w"], TensorRole.Tower, "rating");
        AssertRole(layout["uncertainty/conversion"], TensorRole.LossWeight, "conversion");
        Assert.Equal(2, layout.InRole(TensorRole.Trunk).Count(t => t.Kind == TensorKind.Weight));
    }

    [Fact]
    public void FromSpec_Mmoe_ExpertsBelongToNoTaskGatesToTheirTask()
    {
        var layout = ParameterLayout.FromSpec(TestModels.Small(TrunkKind.Mmoe));

        AssertRole(layout["expert/2/dense0/w"], TensorRole.Expert, null);
        AssertRole(layout["gate/conversion/w"], TensorRole.Gate, "conversion");
        AssertRole(layout["gate/conversion/b"], TensorRole.Gate, "conversion");
        Assert.Empty(layout.InRole(TensorRole.Trunk));
    }

    [Fact]
    public void FromSpec_Ple_SharedExpertsAndGatesBelongToNoTask()
    {
        var layout = ParameterLayout.FromSpec(TestModels.Small(TrunkKind.Ple));

        AssertRole(layout["level0/expert/shared/1/dense0/w"], TensorRole.Expert, null);
        AssertRole(layout["level1/expert/rating/0/dense0/b"], TensorRole.Expert, "rating");
        AssertRole(layout["level0/gate/shared/w"], TensorRole.Gate, null);
        AssertRole(layout["level1/gate/click/w"], TensorRole.Gate, "click");
    }

    [Theory]
    [InlineData(TrunkKind.SharedBottom)]
    [InlineData(TrunkKind.Mmoe)]
    [InlineData(TrunkKind.Ple)]
    public void FromSpec_AnyTrunk_EmbeddingsNameTheirFieldAndOnlyEmbeddingsDo(TrunkKind kind)
    {
        var spec = TestModels.Small(kind, uncertainty: true);
        var layout = ParameterLayout.FromSpec(spec);

        Assert.Equal(spec.Fields.Select(f => f.Name), layout.InRole(TensorRole.Embedding).Select(t => t.Field));
        Assert.All(layout.InRole(TensorRole.Embedding), t => Assert.Null(t.Task));
        Assert.All(layout.Tensors.Where(t => t.Role != TensorRole.Embedding), t => Assert.Null(t.Field));
        Assert.All(layout.Tensors, t => Assert.Equal(t.Role == TensorRole.Embedding, t.Kind == TensorKind.Embedding));
    }

    [Theory]
    [InlineData(TrunkKind.SharedBottom)]
    [InlineData(TrunkKind.Mmoe)]
    [InlineData(TrunkKind.Ple)]
    public void FromSpec_AnyTrunk_TaskOfEveryTensorAgreesWithItsNamePrefix(TrunkKind kind)
    {
        // The rule aggregation used to apply to names: towers, gates and PLE task experts belong to their task.
        var spec = TestModels.Small(kind, uncertainty: true);
        var layout = ParameterLayout.FromSpec(spec);

        foreach (var tensor in layout.Tensors)
        {
            var expected = spec.Tasks.Select(t => t.Name).SingleOrDefault(task =>
                tensor.Name.StartsWith($"tower/{task}/", StringComparison.Ordinal)
                || tensor.Name.StartsWith($"gate/{task}/", StringComparison.Ordinal)
                || tensor.Name == $"uncertainty/{task}"
                || Enumerable.Range(0, spec.Trunk.Levels).Any(l =>
                    tensor.Name.StartsWith($"level{l}/expert/{task}/", StringComparison.Ordinal)
                    || tensor.Name.StartsWith($"level{l}/gate/{task}/", StringComparison.Ordinal)));
            Assert.True(expected == tensor.Task, $"{tensor.Name}: task {tensor.Task ?? "null"}, expected {expected ?? "null"}");
        }
    }

    [Fact]
    public void OfTask_Click_ListsItsGateAndTowerInBufferOrder()
    {
        var layout = ParameterLayout.FromSpec(TestModels.Small(TrunkKind.Mmoe));

        Assert.Equal(
            ["gate/click/w", "gate/click/b", "tower/click/dense0/w", "tower/click/dense0/b", "tower/click/out/w", "tower/click/out/b"],
            layout.OfTask("click").Select(t => t.Name));
        Assert.Empty(layout.OfTask("nope"));
    }

    private static void AssertRole(TensorInfo tensor, TensorRole role, string? task)
    {
        Assert.Equal(role, tensor.Role);
        Assert.Equal(task, tensor.Task);
    }
}
