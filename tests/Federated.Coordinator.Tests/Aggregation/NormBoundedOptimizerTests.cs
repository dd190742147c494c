using Federated.Coordinator.Aggregation;
using Federated.Coordinator.Aggregation.Robust;
using Federated.Coordinator.Runs;
using Federated.Model.Parameters;
using static Federated.Coordinator.Tests.Aggregation.ServerOptimizerFixture;

namespace Federated.Coordinator.Tests.Aggregation;

/// <summary>The norm bound in front of a server optimiser: accepted by the run config, and the optimiser's state still stored and restored.</summary>
public sealed class NormBoundedOptimizerTests
{
    [Fact]
    public void RestoreState_FedAdamBehindNormBound_ThirdRoundEqualsTheUninterruptedRunBitForBit()
    {
        var model = CompileModel();
        var settings = Settings("fedadam", 1.5);
        var start = model.InitializeShared(5);
        var uninterrupted = Run(AggregationStrategies.Create(settings, model), start, 3);

        var first = AggregationStrategies.Create(settings, model);
        var stateful = Assert.IsAssignableFrom<IStatefulStrategy>(first);
        var versions = Run(first, start, 1);
        var second = first.BeginRound(versions[0]);
        foreach (var (delta, weights) in Updates(model.SharedLayout, 1))
        {
            second.Add(delta, weights);
        }

        var version2 = second.Finish();
        var saved = stateful.SaveState(second);
        var restarted = AggregationStrategies.Create(settings, model);
        ((IStatefulStrategy)restarted).RestoreState(saved);
        var third = Run(restarted, new ParameterSet(model.SharedLayout, (float[])version2.Values.Clone()), 1, firstRound: 2)[0];

        Assert.Equal(Bits(uninterrupted[2].Values), Bits(third.Values));
    }

    [Fact]
    public void Create_FedAdamBehindNormBound_DiffersFromFedAdamAlone()
    {
        // The bound is applied: with k small enough to clip, the optimiser sees other pseudo-gradients.
        var model = CompileModel();
        var start = model.InitializeShared(5);

        var bounded = Run(AggregationStrategies.Create(Settings("fedadam", 0.5), model), start, 1)[0];
        var alone = Run(AggregationStrategies.Create(Settings("fedadam", null), model), start, 1)[0];

        Assert.NotEqual(Bits(alone.Values), Bits(bounded.Values));
    }

    [Fact]
    public void Create_FedAvgBehindNormBound_IsNotStateful()
    {
        var strategy = AggregationStrategies.Create(Settings("fedavg", 1.5), CompileModel());

        Assert.IsType<NormBoundedStrategy>(strategy);
        Assert.False(strategy is IStatefulStrategy);
    }

    [Theory]
    [InlineData("fedadam", 0.0)]
    [InlineData("fedavgm", -1.0)]
    public void CheckParameters_OptimizerWithBadNormBound_NamesTheKey(string name, double multiple)
    {
        var problem = AggregationStrategies.CheckParameters(name, new Dictionary<string, double> { [NormBound.MultipleKey] = multiple });

        Assert.Equal(NormBound.MultipleKey, problem?.Key);
    }

    [Fact]
    public void CheckParameters_OptimizerWithNormBound_Accepted() =>
        Assert.Null(AggregationStrategies.CheckParameters("fedyogi", new Dictionary<string, double> { [NormBound.MultipleKey] = 2, ["beta1"] = 0.8 }));

    private static StrategySettings Settings(string name, double? multiple)
    {
        var parameters = new Dictionary<string, double>(StringComparer.Ordinal);
        if (name != "fedavg")
        {
            parameters["serverLearningRate"] = 0.05;
        }

        if (multiple is { } k)
        {
            parameters[NormBound.MultipleKey] = k;
        }

        return new StrategySettings { Name = name, Parameters = parameters };
    }
}
