using Federated.Model.Parameters;
using Federated.Model.Spec;
using Federated.Protos.V1;

namespace Federated.Coordinator.Tests;

public sealed class PersistenceTests
{
    private static readonly ParameterLayout Layout = ParameterLayout.FromSpec(ModelSpec.FromJson(TestSpecs.SmallModel));

    [Fact]
    public async Task Restart_SameDatabase_ResumesAtLastCommittedVersionWithIdenticalParameters()
    {
        string databasePath;
        string run;
        Dictionary<string, float[]> before;
        string[] tokens;
        await using (var host = await CoordinatorTestHost.StartAsync())
        {
            databasePath = host.DatabasePath;
            FakeNode[] nodes;
            (run, nodes) = await RoundTests.StartRoundAsync(host);
            for (var k = 0; k < 3; k++)
            {
                await nodes[k].SubmitAsync(nodes[k].Header(run, 1, 0, 10 * (k + 1), 5), FakeNode.DenseChunks(Layout, RoundTests.MakeDelta(k)));
            }

            // Round 2 is open and one update of it arrived when the service stops.
            await nodes[0].SubmitAsync(nodes[0].Header(run, 2, 1, 10, 5), FakeNode.DenseChunks(Layout, RoundTests.MakeDelta(0)));
            before = await nodes[0].DownloadAsync(run, 1);
            tokens = nodes.Select(n => n.Token).ToArray();
        }

        try
        {
            await using var restarted = await CoordinatorTestHost.StartAsync(databasePath);
            var runInfo = (await restarted.Operator.ListRunsAsync(new ListRunsRequest(), CoordinatorTestHost.Admin)).Runs.Single();
            Assert.Equal(1, runInfo.ModelVersion);
            Assert.Equal(RunState.Running, runInfo.State);

            var nodes = tokens.Select((t, k) => new FakeNode($"n{k + 1}", t, restarted.Federation)).ToArray();
            var after = await nodes[0].DownloadAsync(run, 1);
            Assert.Equal(before.Keys.Order(), after.Keys.Order());
            foreach (var (name, values) in before)
            {
                Assert.Equal(values, after[name]);
            }

            // The open round was reopened: every selected node, including the one that had sent, sends again.
            foreach (var node in nodes)
            {
                var poll = await node.PollAsync(run);
                Assert.Equal(2, poll.Assignment.Round);
                Assert.Equal(1, poll.Assignment.ModelVersion);
                var reply = await node.SubmitAsync(node.Header(run, 2, 1, 10, 5), FakeNode.DenseChunks(Layout, RoundTests.MakeDelta(0)));
                Assert.False(reply.Duplicate);
            }

            Assert.Equal(2, (await restarted.Operator.ListRunsAsync(new ListRunsRequest(), CoordinatorTestHost.Admin)).Runs.Single().ModelVersion);
        }
        finally
        {
            CoordinatorTestHost.DeleteDatabase(databasePath);
        }
    }

    [Fact]
    public async Task DownloadAndUpload_ModelAbove16MB_RoundTripsInChunks()
    {
        var layout = ParameterLayout.FromSpec(ModelSpec.FromJson(TestSpecs.LargeModel));
        Assert.True(layout.ScopeLength(ParameterScope.Shared) * sizeof(float) > 16_000_000);
        await using var host = await CoordinatorTestHost.StartAsync();
        try
        {
            var run = (await host.StartRunAsync(TestSpecs.RunConfig(model: TestSpecs.LargeModel, minClients: 1, rounds: 1))).RunId;
            var node = await host.EnrolAsync("big");
            await node.JoinAsync(run);
            Assert.Equal(WaitForAssignmentReply.Types.Status.Assigned, (await node.PollAsync(run)).Status);
            var global = await node.DownloadAsync(run, 0);
            Assert.Equal(ParameterSet.Initialize(layout, 7).Values.AsSpan(layout["emb/item"].Offset, layout["emb/item"].Length).ToArray(), global["emb/item"]);

            var delta = new Dictionary<string, float[]>(StringComparer.Ordinal);
            foreach (var tensor in layout.InScope(ParameterScope.Shared))
            {
                delta[tensor.Name] = Enumerable.Range(0, tensor.Length).Select(i => (i % 13) * 1e-4f).ToArray();
            }

            var reply = await node.SubmitAsync(node.Header(run, 1, 0, 5, 5), FakeNode.DenseChunks(layout, delta));
            Assert.True(reply.Accepted);

            var next = await node.DownloadAsync(run, 1);
            var item = next["emb/item"];
            for (var i = 0; i < item.Length; i += 9973)
            {
                Assert.Equal(global["emb/item"][i] + delta["emb/item"][i], item[i], 6);
            }

            Assert.Equal(global["emb/item"][^1] + delta["emb/item"][^1], item[^1], 6);
        }
        finally
        {
            CoordinatorTestHost.DeleteDatabase(host.DatabasePath);
        }
    }
}
