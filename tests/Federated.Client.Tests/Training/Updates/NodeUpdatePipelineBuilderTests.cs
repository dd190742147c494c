using Federated.Client.Training;
using Federated.Client.Training.Updates;
using Federated.Model.Parameters;
using Federated.Model.Spec;
using Federated.Model.Training;

namespace Federated.Client.Tests.Training.Updates;

public sealed class NodeUpdatePipelineBuilderTests
{
    [Fact]
    public void Build_NoClipBound_OnlyComputesTheDelta()
    {
        var pipeline = Standard().Build(LocalTrainingPlan.Default with { ClipNorm = 0 });

        Assert.Equal(["delta"], pipeline.Names);
    }

    [Fact]
    public void Build_ClipBound_ComputesThenClipsToThePlansBound()
    {
        var pipeline = Standard().Build(LocalTrainingPlan.Default with { ClipNorm = 2.5 });

        Assert.Equal(["delta", "clip"], pipeline.Names);
        Assert.Equal(2.5, Assert.IsType<ClipToNorm>(pipeline.Transforms[1]).Bound);
    }

    [Fact]
    public void Build_StepsOfOneStage_KeepTheFactoriesOrder()
    {
        var builder = new NodeUpdatePipelineBuilder(
        [
            Named("late", NodeUpdateStage.Mask),
            .. NodeUpdatePipelineBuilder.Standard,
            Named("first-noise", NodeUpdateStage.Noise),
            Named("second-noise", NodeUpdateStage.Noise),
        ]);

        var pipeline = builder.Build(LocalTrainingPlan.Default);

        Assert.Equal(["delta", "clip", "first-noise", "second-noise", "late"], pipeline.Names);
    }

    [Fact]
    public void Build_FactoryDeclinesThePlan_StepLeftOut()
    {
        var onlyWithProx = new NodeUpdateTransformFactory(NodeUpdateStage.Noise, plan => plan.ProximalMu > 0 ? new Step("prox-only") : null);
        var builder = NodeUpdatePipelineBuilder.For(new NodeTrainingOptions { ExtraUpdateTransforms = [onlyWithProx] });

        Assert.Equal(["delta", "clip"], builder.Build(LocalTrainingPlan.Default).Names);
        Assert.Equal(["delta", "clip", "prox-only"], builder.Build(LocalTrainingPlan.Default with { ProximalMu = 0.1f }).Names);
    }

    [Fact]
    public void Factory_StageBeforeTheDelta_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new NodeUpdateTransformFactory(NodeUpdateStage.Delta - 1, _ => new Step("early")));
    }

    [Fact]
    public void Run_SparsePlan_DeltaOfSharedTensorsWithTouchedRowsAndNormRecordedByClip()
    {
        var spec = new ModelSpec
        {
            Fields = [new FieldSpec { Name = "user", Dim = 2, Buckets = 4, Scope = ParameterScope.Local }, new FieldSpec { Name = "item", Dim = 2, Buckets = 4 }],
            Trunk = new TrunkSpec { Hidden = [2] },
            Tasks = [new TaskSpec { Name = "y", Kind = TaskKind.Binary, Tower = [2] }],
        };
        var global = ParameterSet.Initialize(spec, seed: 1);
        var trained = ParameterSet.Initialize(spec, seed: 2);
        var touched = new RowSet(4);
        touched.Add(1);
        touched.Add(3);
        var context = new NodeUpdateContext(LocalTrainingPlan.Default with { ClipNorm = 1e-3 }, 2, 1, global, trained, new Dictionary<string, RowSet> { ["emb/item"] = touched });

        var delta = Standard().Build(context.Plan).Run(context);

        Assert.Equal(global.Layout.InScope(ParameterScope.Shared).Select(t => t.Name), delta.Tensors.Select(t => t.Name));
        Assert.Equal([1, 3], delta.Tensors.Single(t => t.Name == "emb/item").Rows!);
        Assert.True(context.NormBeforeClip > 1e-3);
        Assert.InRange(delta.L2Norm(), 0.999e-3, 1e-3);
    }

    private static NodeUpdatePipelineBuilder Standard() => NodeUpdatePipelineBuilder.For(new NodeTrainingOptions());

    private static NodeUpdateTransformFactory Named(string name, int stage) => new(stage, _ => new Step(name));

    private sealed class Step(string name) : INodeUpdateTransform
    {
        public string Name => name;

        public Federated.Model.Updates.ModelDelta Apply(Federated.Model.Updates.ModelDelta delta, NodeUpdateContext context) => delta;
    }
}
