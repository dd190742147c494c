using Federated.Coordinator.Aggregation;
using Federated.Coordinator.Rounds.Pipeline;
using Federated.Coordinator.Runs;
using Federated.Model.Parameters;
using static Federated.Coordinator.Tests.Aggregation.ServerOptimizerFixture;

namespace Federated.Coordinator.Tests.Aggregation;

public sealed class ServerOptimizerStateTests
{
    [Theory]
    [InlineData("fedavgm")]
    [InlineData("fedadagrad")]
    [InlineData("fedadam")]
    [InlineData("fedyogi")]
    public void RestoreState_SavedAfterTwoRounds_ThirdRoundEqualsTheUninterruptedRunBitForBit(string name)
    {
        var model = CompileModel();
        var settings = ServerOptimizerStrategyTests.Settings(name, 0.05, 0.9, 0.99, 1e-3);
        var start = model.InitializeShared(5);
        var uninterrupted = Run(new ServerOptimizerStrategy(model, settings), start, 3);

        var first = new ServerOptimizerStrategy(model, settings);
        var second = first.BeginRound(Run(first, start, 1)[0]);
        foreach (var (delta, weights) in Updates(model.SharedLayout, 1))
        {
            second.Add(delta, weights);
        }

        var version2 = second.Finish();
        var saved = first.SaveState(second);

        // A restarted coordinator: a new strategy, the version read back from storage (another object), the saved state.
        var restarted = new ServerOptimizerStrategy(model, settings);
        restarted.RestoreState(saved);
        var reloaded = new ParameterSet(model.SharedLayout, (float[])version2.Values.Clone());
        var third = Run(restarted, reloaded, 1, firstRound: 2)[0];

        Assert.Equal(Bits(uninterrupted[1].Values), Bits(version2.Values));
        Assert.Equal(Bits(uninterrupted[2].Values), Bits(third.Values));
    }

    [Fact]
    public void RestoreState_WithoutRestoring_ThirdRoundDiffers()
    {
        // The control of the test above: the moments matter, so a restart that lost them would be seen.
        var model = CompileModel();
        var settings = ServerOptimizerStrategyTests.Settings("fedadam", 0.05, 0.9, 0.99, 1e-3);
        var start = model.InitializeShared(5);
        var uninterrupted = Run(new ServerOptimizerStrategy(model, settings), start, 3);

        var third = Run(new ServerOptimizerStrategy(model, settings), uninterrupted[1], 1, firstRound: 2)[0];

        Assert.NotEqual(Bits(uninterrupted[2].Values), Bits(third.Values));
    }

    [Fact]
    public void SaveState_FedAdam_HoldsHeaderAndTwoFloatsPerParameter()
    {
        var model = CompileModel();
        var strategy = new ServerOptimizerStrategy(model, ServerOptimizerStrategyTests.Settings("fedadam", 0.05, 0.9, 0.99, 1e-3));
        var aggregator = strategy.BeginRound(model.InitializeShared(5));
        aggregator.Finish();

        var blob = strategy.SaveState(aggregator);

        var fingerprint = System.Text.Encoding.UTF8.GetByteCount(model.SharedLayout.Fingerprint);
        Assert.Equal(ServerOptimizerState.FormatVersion, blob[0]);
        Assert.Equal((byte)ServerOptimizerKind.FedAdam, blob[1]);
        Assert.Equal(2 + 4 + fingerprint + 8 + (2 * 4 * model.SharedLayout.TotalLength), blob.Length);
    }

    [Theory]
    [InlineData("version", "format version is 9")]
    [InlineData("kind", "written by optimiser 4")]
    [InlineData("truncated", "bytes of moments")]
    [InlineData("longer", "bytes of moments")]
    [InlineData("header", "shorter than its header")]
    [InlineData("layout", "follows layout")]
    public void RestoreState_BlobOfAnotherFormatOrSize_ThrowsInvalidDataExceptionSayingWhy(string damage, string reason)
    {
        var model = CompileModel();
        var settings = ServerOptimizerStrategyTests.Settings("fedadam", 0.05, 0.9, 0.99, 1e-3);
        var strategy = new ServerOptimizerStrategy(model, settings);
        var aggregator = strategy.BeginRound(model.InitializeShared(5));
        aggregator.Finish();
        var blob = strategy.SaveState(aggregator);
        blob = damage switch
        {
            "version" => [9, .. blob[1..]],
            "kind" => [blob[0], (byte)ServerOptimizerKind.FedYogi, .. blob[2..]],
            "truncated" => blob[..^4],
            "longer" => [.. blob, 0, 0, 0, 0],
            "header" => blob[..10],
            _ => [.. blob[..6], .. blob[6..].Select((b, i) => i == 0 ? (byte)(b ^ 1) : b)],
        };

        var error = Assert.Throws<InvalidDataException>(() => new ServerOptimizerStrategy(model, settings).RestoreState(blob));

        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.Contains("server-optimiser state", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RestoreStrategyState_StatefulRunWithoutStateAfterVersion0_ThrowsInvalidDataExceptionNamingTheStrategy()
    {
        var pipeline = Pipeline("fedyogi");

        pipeline.RestoreStrategyState(null, 0);
        var error = Assert.Throws<InvalidDataException>(() => pipeline.RestoreStrategyState(null, 3));

        Assert.Contains("version 3", error.Message, StringComparison.Ordinal);
        Assert.Contains("'fedyogi'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RestoreStrategyState_StatelessStrategy_IgnoresTheBytes()
    {
        var pipeline = Pipeline("fedavg");

        pipeline.RestoreStrategyState([1, 2, 3], 3);
        pipeline.RestoreStrategyState(null, 3);

        Assert.IsNotType<IStatefulStrategy>(pipeline.Strategy, exactMatch: false);
    }

    private static RoundPipeline Pipeline(string strategy)
    {
        var config = RunConfig.FromJson(TestSpecs.RunConfig().Replace("\"name\": \"fedavg\"", $"\"name\": \"{strategy}\"", StringComparison.Ordinal));
        return new RoundPipelineFactory().Create(config, CompiledModel.Compile(config.Spec));
    }
}
