using Federated.Coordinator.Aggregation;
using Federated.Coordinator.Aggregation.Privacy;
using Federated.Coordinator.Rounds.Pipeline;
using Federated.Coordinator.Runs;
using Federated.Model.Parameters;

namespace Federated.Coordinator.Tests.Privacy;

/// <summary>Every pipeline factory puts DP-FedAvg in front of a run's strategy exactly when its config has a privacy section.</summary>
public sealed class PrivacyPipelineTests
{
    private static readonly RoundPipelineFactory Factory = new(privacyNoise: PrivacyNoiseSource.Keyed([9]));

    private static RunConfig PrivateFedAdam() => RunConfig.FromJson(TestSpecs.RunConfig(nodesPerRound: 3).Replace(
        "\"strategy\": { \"name\": \"fedavg\" }",
        "\"strategy\": { \"name\": \"fedadam\" }, \"privacy\": { \"noiseMultiplier\": 1, \"delta\": 1e-5, \"sampleRate\": 0.5, \"clipNorm\": 1 }",
        StringComparison.Ordinal));

    [Fact]
    public void Create_DefaultFactoryAndAPrivateRun_PrivacyIsNeverLeftOut()
    {
        var config = PrivateFedAdam();

        var pipeline = new RoundPipelineFactory().Create(config, CompiledModel.Compile(config.Spec));

        Assert.IsType<DpFedAvgStrategy>(pipeline.Strategy);
    }

    [Fact]
    public void Create_NoPrivacySection_StrategyUntouched()
    {
        var config = RunConfig.FromJson(TestSpecs.RunConfig());
        var pipeline = Factory.Create(config, CompiledModel.Compile(config.Spec));

        Assert.IsType<FedAvgStrategy>(pipeline.Strategy);
        Assert.Equal("fedavg", pipeline.Describe());
    }

    [Fact]
    public void Create_PrivacyInFrontOfFedAdam_StatefulDpStrategyThatNeedsItsLedgerToResume()
    {
        var config = PrivateFedAdam();
        var pipeline = Factory.Create(config, CompiledModel.Compile(config.Spec));

        var strategy = Assert.IsType<DpFedAvgStrategy>(pipeline.Strategy);
        Assert.IsType<ServerOptimizerStrategy>(strategy.Inner);
        Assert.Equal(3, strategy.Plan.ExpectedClients);
        Assert.Equal("dp-fedadam", pipeline.Describe());
        Assert.Throws<InvalidDataException>(() => pipeline.RestoreStrategyState(null, 2));
        pipeline.RestoreStrategyState(null, 0);
        Assert.Equal(0, strategy.Ledger.Steps);
    }
}
