using Federated.Client.Training;
using Federated.Client.Training.Updates;
using Federated.Model.Parameters;
using Federated.Model.Spec;
using Federated.Model.Training;
using Federated.Model.Updates;
using Federated.Simulation.Attacks;

namespace Federated.Simulation.Tests.Attacks;

public sealed class PoisonedUpdateTests
{
    private static readonly ModelSpec Spec = new()
    {
        Fields = [new FieldSpec { Name = "user", Dim = 2, Buckets = 4, Scope = ParameterScope.Local }, new FieldSpec { Name = "item", Dim = 2, Buckets = 4 }],
        Trunk = new TrunkSpec { Hidden = [2] },
        Tasks = [new TaskSpec { Name = "y", Kind = TaskKind.Binary, Tower = [2] }],
    };

    private static NodeUpdateContext Context(long round = 2, double clip = 0)
    {
        var touched = new RowSet(4);
        touched.Add(1);
        touched.Add(3);
        return new NodeUpdateContext(
            LocalTrainingPlan.Default with { ClipNorm = clip, SparseEmbeddings = true }, round, 1, ParameterSet.Initialize(Spec, seed: 1), ParameterSet.Initialize(Spec, seed: 2),
            new Dictionary<string, RowSet> { ["emb/item"] = touched });
    }

    private static ModelDelta Honest(NodeUpdateContext context) => NodeUpdatePipelineBuilder.For(new NodeTrainingOptions()).Build(context.Plan).Run(context);

    private static ModelDelta Attacked(NodeUpdateContext context, AttackSpec attack, int seed = 1, int client = 0) =>
        new PoisonedUpdate(attack, seed, client).Apply(Honest(context), context);

    [Fact]
    public void Apply_SignFlip_ExactlyNegatesEveryValueAndKeepsRows()
    {
        var context = Context();
        var honest = Honest(context);

        var attacked = Attacked(context, new AttackSpec(AttackKind.SignFlip));

        Assert.Equal(honest.Tensors.Select(t => t.Rows), attacked.Tensors.Select(t => t.Rows));
        Assert.Equal(honest.Tensors.SelectMany(t => t.Values).Select(v => -v), attacked.Tensors.SelectMany(t => t.Values));
        Assert.Contains(attacked.Tensors, t => t.Rows is [1, 3]);
    }

    [Fact]
    public void Apply_Scale_MultipliesEveryValueByK()
    {
        var context = Context();
        var honest = Honest(context);

        var attacked = Attacked(context, new AttackSpec(AttackKind.Scale, 10));

        Assert.Equal(honest.Tensors.SelectMany(t => t.Values).Select(v => v * 10f), attacked.Tensors.SelectMany(t => t.Values));
        Assert.Equal(honest.L2Norm() * 10, attacked.L2Norm(), 1e-4 * honest.L2Norm());
    }

    [Fact]
    public void Apply_Gaussian_DeterministicPerSeedClientAndRoundAndKeepsTheRowSet()
    {
        var attack = new AttackSpec(AttackKind.Gaussian, 2);
        var honest = Honest(Context());

        var first = Attacked(Context(), attack);
        var again = Attacked(Context(), attack);
        var otherRound = Attacked(Context(round: 3), attack);
        var otherClient = Attacked(Context(), attack, client: 1);
        var otherSeed = Attacked(Context(), attack, seed: 2);

        var values = first.Tensors.SelectMany(t => t.Values).ToArray();
        Assert.Equal(values, again.Tensors.SelectMany(t => t.Values));
        Assert.NotEqual(values, otherRound.Tensors.SelectMany(t => t.Values));
        Assert.NotEqual(values, otherClient.Tensors.SelectMany(t => t.Values));
        Assert.NotEqual(values, otherSeed.Tensors.SelectMany(t => t.Values));
        Assert.Equal(honest.Tensors.Select(t => (t.Name, t.Rows, t.Values.Length)), first.Tensors.Select(t => (t.Name, t.Rows, t.Values.Length)));
        Assert.DoesNotContain(values, v => honest.Tensors.SelectMany(t => t.Values).Contains(v));
    }

    [Fact]
    public void Apply_GaussianManyValues_MeanZeroStandardDeviationSigma()
    {
        var values = new float[20_000];
        var delta = new ModelDelta([new TensorDelta("w", values)]);

        new PoisonedUpdate(new AttackSpec(AttackKind.Gaussian, 0.3), 1, 0).Apply(delta, Context(round: 1));

        var mean = values.Average(v => (double)v);
        var sd = Math.Sqrt(values.Average(v => (v - mean) * (v - mean)));
        Assert.InRange(mean, -0.01, 0.01);
        Assert.InRange(sd, 0.29, 0.31);
    }

    [Fact]
    public void Factory_AfterClip_MaliciousNodeSendsTheClippedDeltaNegated()
    {
        var context = Context(clip: 1e-3);
        var target = new AttackTarget { Client = 4 };
        var attack = new ExperimentAttack(new AttackSpec(AttackKind.SignFlip), [4], seed: 1);
        var builder = new NodeUpdatePipelineBuilder([.. NodeUpdatePipelineBuilder.Standard, attack.Factory(target)]);

        var pipeline = builder.Build(context.Plan);
        var sent = pipeline.Run(context);

        Assert.Equal(["delta", "clip", "attack:sign-flip"], pipeline.Names);
        Assert.InRange(sent.L2Norm(), 0.999e-3, 1e-3);
        var honest = Honest(Context(clip: 1e-3));
        Assert.Equal(honest.Tensors.SelectMany(t => t.Values).Select(v => -v), sent.Tensors.SelectMany(t => t.Values));
    }

    [Fact]
    public void Factory_HonestOrNoClient_NoAttackStep()
    {
        var target = new AttackTarget();
        var attack = new ExperimentAttack(new AttackSpec(AttackKind.Scale, 3), [4], seed: 1);
        var builder = new NodeUpdatePipelineBuilder([.. NodeUpdatePipelineBuilder.Standard, attack.Factory(target)]);
        var plan = Context().Plan;

        var none = builder.Build(plan).Names;
        target.Client = 2;
        var honest = builder.Build(plan).Names;
        target.Client = 4;
        var malicious = builder.Build(plan).Names;

        Assert.Equal(["delta"], none);
        Assert.Equal(["delta"], honest);
        Assert.Equal(["delta", "attack:scale:3"], malicious);
    }
}
