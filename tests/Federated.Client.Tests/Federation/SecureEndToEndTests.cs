using Federated.Client.Federation;
using Federated.Coordinator.Rounds;

namespace Federated.Client.Tests.Federation;

/// <summary>Secure aggregation end to end: a coordinator and three real nodes over gRPC on loopback.</summary>
public sealed class SecureEndToEndTests
{
    [Fact]
    public async Task RunAsync_ThreeNodesSecureAggregation_RoundsCommitFromMaskedInputsOnly()
    {
        using var scenario = new FederationScenario();
        await using var coordinator = await LoopbackCoordinator.StartAsync(scenario.CoordinatorDirectory);
        var config = FederationScenario.RunConfig(rounds: 2)
            .Replace("\"clipNorm\": 0", "\"clipNorm\": 10", StringComparison.Ordinal)
            .Replace("\"strategy\": { \"name\": \"fedavg\" }", "\"strategy\": { \"name\": \"fedavg\" }, \"secureAggregation\": { \"threshold\": 2 }", StringComparison.Ordinal);
        var run = coordinator.StartRun(config);

        var summaries = await Task.WhenAll(Enumerable.Range(0, 3).Select(k => Task.Run(async () =>
        {
            using var connection = new GrpcCoordinatorConnection(coordinator.Address, coordinator.IssueToken($"inst{k}"));
            var runner = new NodeRunner(connection, scenario.LoadData(k), FederationScenario.RunnerOptions(scenario.StateDirectories[k]));
            return await runner.RunAsync();
        })));

        Assert.All(summaries, s => Assert.True(s.Completed));
        Assert.All(summaries, s => Assert.Equal(2, s.ModelVersion));
        var rounds = coordinator.Engine.ListRounds(run.RunId).Where(r => r.State == RoundState.Committed).ToList();
        Assert.Equal(2, rounds.Count);
        Assert.All(rounds, r => Assert.Equal(3, r.Updates));

        // No plain update crossed the wire: every update went masked through SubmitSecureAggregation.
        Assert.Empty(coordinator.Recorder.Headers);
        Assert.Empty(coordinator.Recorder.Chunks);
        Assert.NotEqual(coordinator.Engine.GetModel(run.RunId, 0).Values, coordinator.Engine.GetModel(run.RunId, 2).Values);
    }
}
