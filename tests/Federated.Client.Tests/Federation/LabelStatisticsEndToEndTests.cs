using Federated.Client.Federation;
using Federated.Coordinator.Rounds;
using Federated.Model.Parameters;
using Federated.Model.Spec;

namespace Federated.Client.Tests.Federation;

/// <summary>
/// A run whose shared heads start their output biases from data, over real gRPC on loopback with real nodes: the first
/// round collects the nodes' label statistics and version 1 holds the biases of their pooled training labels.
/// </summary>
public sealed class LabelStatisticsEndToEndTests
{
    private static ModelSpec SharedHeadsFromData() => SyntheticData.Spec() with
    {
        Tasks = [.. SyntheticData.Spec().Tasks.Select(t => t with { Scope = ParameterScope.Shared, OutputBiasFromData = true })],
    };

    [Fact]
    public async Task RunAsync_ThreeNodesWithDifferentData_Version1HoldsTheBiasesOfTheirPooledTrainingLabels()
    {
        using var scenario = new FederationScenario();
        await using var coordinator = await LoopbackCoordinator.StartAsync(scenario.CoordinatorDirectory);
        var spec = SharedHeadsFromData();
        var run = coordinator.StartRun(FederationScenario.RunConfig(rounds: 1).Replace(SyntheticData.Spec().ToJson(), spec.ToJson(), StringComparison.Ordinal));
        var progress = Enumerable.Range(0, 3).Select(_ => new SyncProgress()).ToArray();

        var summaries = await Task.WhenAll(Enumerable.Range(0, 3).Select(k => Task.Run(async () =>
        {
            using var connection = new GrpcCoordinatorConnection(coordinator.Address, coordinator.IssueToken($"inst{k}"));
            var runner = new NodeRunner(connection, m => SyntheticData.Load(scenario.DataPaths[k], m), FederationScenario.RunnerOptions(scenario.StateDirectories[k]), progress[k]);
            return await runner.RunAsync();
        })));

        // The pooled training labels of the three nodes, read from their data directly.
        var model = CompiledModel.Compile(spec);
        var ratings = new List<double>();
        var likes = new List<double>();
        for (var k = 0; k < 3; k++)
        {
            var data = SyntheticData.Load(scenario.DataPaths[k], model);
            foreach (var row in data.Split.Train)
            {
                AddIfLabelled(ratings, data.Table.Label(row, 0));
                AddIfLabelled(likes, data.Table.Label(row, 1));
            }
        }

        var rate = Math.Clamp(likes.Average(), 1e-3, 1 - 1e-3);
        var version1 = coordinator.Engine.GetModel(run.RunId, 1);
        Assert.Equal((float)ratings.Average(), version1["tower/rating/out/b"][0], 1e-5f);
        Assert.Equal((float)Math.Log(rate / (1 - rate)), version1["tower/like/out/b"][0], 1e-5f);
        Assert.NotEqual(0f, version1["tower/rating/out/b"][0]);

        // One statistics round and one training round; nobody trained or uploaded in the first.
        Assert.All(summaries, s => Assert.True(s.Completed));
        Assert.All(summaries, s => Assert.Equal((1, 2L), (s.RoundsTrained, s.ModelVersion)));
        var rounds = coordinator.Engine.ListRounds(run.RunId);
        Assert.Equal([(1L, 0L, 3), (2L, 1L, 3)], rounds.Select(r => (r.Round, r.BaseVersion, r.Updates)));
        Assert.All(rounds, r => Assert.Equal(RoundState.Committed, r.State));
        Assert.All(coordinator.Recorder.Headers, h => Assert.Equal(2, h.Round));
        Assert.All(progress, p => Assert.DoesNotContain(p.Reports, r => r.Kind == NodeProgressKind.Trained && r.Round == 1));
        Assert.All(progress, p => Assert.Contains(p.Reports, r => r.Kind == NodeProgressKind.Submitted && r.Round == 1));
        Assert.All(progress, p => Assert.Equal([0L, 1L, 2L], p.Reports.Where(r => r.Kind == NodeProgressKind.Downloaded).Select(r => r.ModelVersion!.Value)));
    }

    private static void AddIfLabelled(List<double> labels, float label)
    {
        if (!float.IsNaN(label))
        {
            labels.Add(label);
        }
    }
}
