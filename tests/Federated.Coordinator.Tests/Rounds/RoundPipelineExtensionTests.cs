using Federated.Coordinator.Hosting;
using Federated.Coordinator.Rounds;
using Federated.Coordinator.Rounds.Pipeline;
using Federated.Coordinator.Runs;
using Federated.Model.Parameters;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Federated.Coordinator.Tests.Rounds;

/// <summary>
/// The proof that the coordinator's seams are real: new steps reach a run through an <see cref="IRoundPipelineExtension"/>
/// alone, without touching the round engine.
/// </summary>
public sealed class RoundPipelineExtensionTests
{
    [Fact]
    public void Commit_PostAggregationTransformFromAnExtension_ShapesTheCommittedVersion()
    {
        using var fixture = new EngineFixture(pipelines: new RoundPipelineFactory([new DampenSteps(0.5f)]));
        var run = fixture.StartRun(TestSpecs.RunConfig(minClients: 2, rounds: 1), "a", "b");
        var base0 = fixture.Engine.GetModel(run, 0).Clone();

        fixture.Engine.SubmitUpdate(null, fixture.Update(run, "a", 0.01f));
        fixture.Engine.SubmitUpdate(null, fixture.Update(run, "b", 0.03f));

        // FedAvg moves every shared value by the mean step 0.02; the extension keeps half of it.
        var next = fixture.Engine.GetModel(run, 1);
        for (var i = 0; i < next.Values.Length; i++)
        {
            Assert.Equal(base0.Values[i] + 0.01f, next.Values[i], 5);
        }
    }

    [Fact]
    public void SubmitUpdate_UpdateTransformFromAnExtension_SeesEveryUpdateBeforeTheStrategy()
    {
        var zeroB = new ZeroUpdatesOf("b");
        using var fixture = new EngineFixture(pipelines: new RoundPipelineFactory([zeroB]));
        var run = fixture.StartRun(TestSpecs.RunConfig(minClients: 2, rounds: 1), "a", "b");
        var base0 = fixture.Engine.GetModel(run, 0).Clone();

        fixture.Engine.SubmitUpdate(null, fixture.Update(run, "a", 0.04f));
        fixture.Engine.SubmitUpdate(null, fixture.Update(run, "b", 1f));

        var next = fixture.Engine.GetModel(run, 1);
        Assert.Equal(["a", "b"], zeroB.Seen);
        Assert.Equal(base0.Values[0] + 0.02f, next.Values[0], 5);
    }

    [Fact]
    public void Create_ExtensionThatDoesNotApplyToTheConfig_LeavesTheStrategyAlone()
    {
        var factory = new RoundPipelineFactory([new DampenSteps(0.5f) { OnlyForRunNamed = "other" }]);
        var config = RunConfig.FromJson(TestSpecs.RunConfig());

        var pipeline = factory.Create(config, CompiledModel.Compile(config.Spec));

        Assert.Equal("fedavg", pipeline.Describe());
        Assert.Empty(pipeline.PostTransforms);
    }

    [Fact]
    public void Describe_StepsOfEveryKind_NamesThemInOrder()
    {
        var config = RunConfig.FromJson(TestSpecs.RunConfig());
        var factory = new RoundPipelineFactory([new ZeroUpdatesOf("x"), new DampenSteps(0.5f)]);

        Assert.Equal("zero → fedavg → dampen", factory.Create(config, CompiledModel.Compile(config.Spec)).Describe());
    }

    [Fact]
    public void AddCoordinator_RegisteredExtension_ReachesTheEnginesRuns()
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Coordinator:DatabasePath"] = ":memory:",
            ["Coordinator:AdminToken"] = "an-admin-token-of-some-length",
        }).Build());
        services.AddLogging();
        services.AddMetrics();
        services.AddSingleton<IRoundPipelineExtension>(new DampenSteps(0.5f));
        CoordinatorHost.AddCoordinator(services, Path.GetTempPath());
        using var provider = services.BuildServiceProvider();

        var engine = provider.GetRequiredService<RoundEngine>();
        var run = engine.CreateRun(RunConfig.FromJson(TestSpecs.RunConfig()));

        Assert.Equal("fedavg → dampen", run.Strategy);
    }

    /// <summary>A server step a researcher might add: keep a fraction of the round's movement.</summary>
    private sealed class DampenSteps(float keep) : IRoundPipelineExtension, IPostAggregationTransform
    {
        public string? OnlyForRunNamed { get; init; }

        public string Name => "dampen";

        public void Extend(RunConfig config, RoundPipelineBuilder builder)
        {
            if (OnlyForRunNamed is null || OnlyForRunNamed == config.Name)
            {
                builder.PostTransforms.Add(this);
            }
        }

        public void Apply(ParameterSet aggregate, RoundContext context)
        {
            var baseline = context.BaseModel.Values;
            for (var i = 0; i < aggregate.Values.Length; i++)
            {
                aggregate.Values[i] = baseline[i] + (keep * (aggregate.Values[i] - baseline[i]));
            }
        }
    }

    /// <summary>A per-update step: counts the updates it sees and zeroes one node's.</summary>
    private sealed class ZeroUpdatesOf(string node) : IRoundPipelineExtension, IUpdateTransform
    {
        public List<string> Seen { get; } = [];

        public string Name { get; init; } = "zero";

        public void Extend(RunConfig config, RoundPipelineBuilder builder) => builder.UpdateTransforms.Add(this);

        public NodeUpdate Transform(NodeUpdate update, RoundContext context)
        {
            Seen.Add(update.NodeId);
            if (update.NodeId != node)
            {
                return update;
            }

            foreach (var tensor in update.Delta.Tensors)
            {
                Array.Clear(tensor.Values);
            }

            return update;
        }
    }
}
