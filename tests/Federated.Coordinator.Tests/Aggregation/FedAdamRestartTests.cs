using Federated.Coordinator.Storage;
using Federated.Model.Parameters;
using Federated.Model.Spec;
using Federated.Protos;
using Federated.Protos.V1;

namespace Federated.Coordinator.Tests.Aggregation;

/// <summary>A coordinator restarted in the middle of a <c>fedadam</c> run continues with the same moments.</summary>
public sealed class FedAdamRestartTests
{
    private static readonly ParameterLayout Layout = ParameterLayout.FromSpec(ModelSpec.FromJson(TestSpecs.SmallModel));

    [Fact]
    public async Task Restart_AfterTwoFedAdamRounds_FourthVersionAndMomentsEqualAnUninterruptedRunBitForBit()
    {
        var config = TestSpecs.RunConfig(rounds: 4).Replace(
            "\"strategy\": { \"name\": \"fedavg\" }",
            "\"strategy\": { \"name\": \"fedadam\", \"parameters\": { \"serverLearningRate\": 0.05, \"tau\": 0.01 } }",
            StringComparison.Ordinal);
        Assert.Contains("fedadam", config, StringComparison.Ordinal);

        string uninterruptedPath;
        Dictionary<string, float[]> uninterrupted;
        await using (var host = await CoordinatorTestHost.StartAsync())
        {
            uninterruptedPath = host.DatabasePath;
            var (run, nodes) = await RoundTests.StartRoundAsync(host, config);
            for (var round = 1; round <= 4; round++)
            {
                await SubmitRoundAsync(nodes, run, round);
            }

            uninterrupted = await nodes[0].DownloadAsync(run, 4);
        }

        string restartedPath;
        Dictionary<string, float[]> resumed;
        Dictionary<string, float[]> version2;
        string[] tokens;
        await using (var host = await CoordinatorTestHost.StartAsync())
        {
            restartedPath = host.DatabasePath;
            var (run, nodes) = await RoundTests.StartRoundAsync(host, config);
            await SubmitRoundAsync(nodes, run, 1);
            await SubmitRoundAsync(nodes, run, 2);
            version2 = await nodes[0].DownloadAsync(run, 2);
            tokens = [.. nodes.Select(n => n.Token)];
        }

        try
        {
            await using (var restarted = await CoordinatorTestHost.StartAsync(restartedPath))
            {
                var run = (await restarted.Operator.ListRunsAsync(new ListRunsRequest(), CoordinatorTestHost.Admin)).Runs.Single();
                Assert.Equal(2, run.ModelVersion);
                var nodes = tokens.Select((token, k) => new FakeNode($"n{k + 1}", token, restarted.Federation)).ToArray();
                foreach (var node in nodes)
                {
                    var poll = await node.PollAsync(run.RunId);
                    Assert.Equal(3, poll.Assignment.Round);
                }

                await SubmitRoundAsync(nodes, run.RunId, 3);
                await SubmitRoundAsync(nodes, run.RunId, 4);
                resumed = await nodes[0].DownloadAsync(run.RunId, 4);
            }

            Assert.Equal(uninterrupted.Keys.Order(), resumed.Keys.Order());
            foreach (var (name, values) in uninterrupted)
            {
                Assert.Equal(ServerOptimizerFixture.Bits(values), ServerOptimizerFixture.Bits(resumed[name]));
            }

            // The moments stored with version 4 are the same bytes too, and the optimiser did move the model.
            using (var a = new SqliteStore(uninterruptedPath))
            using (var b = new SqliteStore(restartedPath))
            {
                var moments = a.LoadStrategyState("run-1", 4);
                Assert.NotNull(moments);
                Assert.Equal(moments, b.LoadStrategyState("run-1", 4));
                Assert.Null(a.LoadStrategyState("run-1", 0));
            }

            Assert.Contains(version2, pair => !ServerOptimizerFixture.Bits(pair.Value).SequenceEqual(ServerOptimizerFixture.Bits(uninterrupted[pair.Key])));
        }
        finally
        {
            CoordinatorTestHost.DeleteDatabase(uninterruptedPath);
            CoordinatorTestHost.DeleteDatabase(restartedPath);
        }
    }

    /// <summary>Every node sends its update of a round (of <see cref="TestSpecs.SmallModel"/>); node 2 sends the item table as rows 0 and 2 only.</summary>
    internal static async Task SubmitRoundAsync(FakeNode[] nodes, string run, int round)
    {
        var item = Layout["emb/item"];
        for (var k = 0; k < nodes.Length; k++)
        {
            var delta = RoundTests.MakeDelta(k, 1f / round);
            var chunks = FakeNode.DenseChunks(Layout, delta);
            if (k == 1)
            {
                int[] rows = [0, 2];
                var values = rows.SelectMany(r => delta["emb/item"].AsSpan(r * item.Columns, item.Columns).ToArray()).ToArray();
                chunks = Layout.InScope(ParameterScope.Shared)
                    .Where(t => t.Name != "emb/item")
                    .SelectMany(t => TensorChunker.Dense(t.Name, delta[t.Name], 0, t.Length))
                    .Concat(TensorChunker.Sparse("emb/item", rows, values, item.Columns));
            }

            var reply = await nodes[k].SubmitAsync(nodes[k].Header(run, round, round - 1, 10 * (k + 1), 5), chunks);
            Assert.True(reply.Accepted);
        }
    }
}
