using Federated.Model.Parameters;
using Federated.Model.Spec;
using Federated.Protos.V1;
using Grpc.Core;

namespace Federated.Coordinator.Tests.Faults;

/// <summary>
/// Ten selected nodes of which 30 % take their assignment and never send an update, over TestServer with a fake clock.
/// DeadlineTests covers a quorum of 2 of 3 committing at the deadline, one retry, and onNoQuorum = fail; these cover the
/// drop-outs themselves: the round waits for them until its deadline, commits from exactly the updates that arrived,
/// refuses their late updates, and under onNoQuorum = retry retries until maxRetries consecutive failures end the run.
/// </summary>
public sealed class DropOutTests
{
    private const int Selected = 10;
    private const int DropOuts = 3;
    private const int Examples = 20;
    private static readonly ParameterLayout Layout = ParameterLayout.FromSpec(ModelSpec.FromJson(TestSpecs.SmallModel));

    [Theory]
    [InlineData(11)]
    [InlineData(12)]
    public async Task Tick_ThirtyPercentDropOutQuorumMet_CommitsAtDeadlineFromExactlyTheSevenUpdates(int seed)
    {
        await using var host = await CoordinatorTestHost.StartAsync();
        try
        {
            var (run, nodes) = await StartAsync(host, TestSpecs.RunConfig(rounds: 3, minClients: Selected, quorum: Selected - DropOuts, deadlineSeconds: 60));
            var senders = Senders(seed);
            var global = await nodes[0].DownloadAsync(run, 0);
            await PollAllAsync(nodes, run, expectedRound: 1);
            foreach (var k in senders)
            {
                await nodes[k].SubmitAsync(nodes[k].Header(run, 1, 0, Examples, Examples), FakeNode.DenseChunks(Layout, RoundTests.MakeDelta(k)));
            }

            host.Time.Advance(TimeSpan.FromSeconds(59));
            host.Engine.Tick();
            var waiting = (await RoundsAsync(host, run)).Single();
            Assert.Equal((RoundState.Open, Selected - DropOuts), (waiting.State, waiting.Updates));

            host.Time.Advance(TimeSpan.FromSeconds(1));
            host.Engine.Tick();

            var rounds = await RoundsAsync(host, run);
            Assert.Equal((RoundState.Committed, Selected - DropOuts, 1L), (rounds[0].State, rounds[0].Updates, rounds[0].ResultVersion));

            // The drop-outs missed the deadline: no round selects them (so none of 10) until they poll again.
            Assert.Single(rounds);
            foreach (var k in Enumerable.Range(0, Selected).Except(senders))
            {
                await nodes[k].PollAsync(run);
            }

            rounds = await RoundsAsync(host, run);
            Assert.Equal((RoundState.Open, 1L, Selected), (rounds[1].State, rounds[1].BaseVersion, rounds[1].Selected.Count));
            var next = await nodes[0].DownloadAsync(run, 1);
            foreach (var (name, values) in next)
            {
                for (var i = 0; i < values.Length; i++)
                {
                    // Every sender weighs the same (equal example counts): the aggregate is the plain mean of the seven.
                    var mean = senders.Average(k => (double)RoundTests.MakeDelta(k)[name][i]);
                    Assert.Equal(global[name][i] + mean, values[i], 5);
                }
            }

            foreach (var k in Enumerable.Range(0, Selected).Except(senders))
            {
                var late = await Assert.ThrowsAsync<RpcException>(() => nodes[k].SubmitAsync(nodes[k].Header(run, 1, 0, Examples, Examples), FakeNode.DenseChunks(Layout, RoundTests.MakeDelta(k))));
                Assert.Equal("stale-round", late.Trailers.GetValue("federated-rejection"));
            }

            Assert.Equal(1, (await RunAsync(host, run)).ModelVersion);
            Assert.Equal(0, (await RoundsAsync(host, run))[1].Updates);
        }
        finally
        {
            CoordinatorTestHost.DeleteDatabase(host.DatabasePath);
        }
    }

    [Fact]
    public async Task Tick_ThirtyPercentDropOutEveryRetryBelowQuorum_RunFailsAfterMaxRetries()
    {
        const int maxRetries = 2;
        await using var host = await CoordinatorTestHost.StartAsync();
        try
        {
            var (run, nodes) = await StartAsync(host, TestSpecs.RunConfig(minClients: Selected, quorum: Selected - DropOuts + 1, deadlineSeconds: 60, onNoQuorum: "retry", maxRetries: maxRetries));
            var senders = Senders(5);
            for (var attempt = 1; attempt <= maxRetries + 1; attempt++)
            {
                // Every failed round is retried under a new number from the same version, with every node selected again.
                await PollAllAsync(nodes, run, expectedRound: attempt);
                foreach (var k in senders)
                {
                    await nodes[k].SubmitAsync(nodes[k].Header(run, attempt, 0, Examples, Examples), FakeNode.DenseChunks(Layout, RoundTests.MakeDelta(k)));
                }

                Assert.Equal(RunState.Running, (await RunAsync(host, run)).State);
                host.Time.Advance(TimeSpan.FromSeconds(60));
                host.Engine.Tick();
            }

            var info = await RunAsync(host, run);
            Assert.Equal((RunState.Failed, 0L), (info.State, info.ModelVersion));
            Assert.Contains("without quorum", info.Message, StringComparison.Ordinal);
            Assert.Contains($"after {maxRetries} retries", info.Message, StringComparison.Ordinal);
            var rounds = await RoundsAsync(host, run);
            Assert.Equal(maxRetries + 1, rounds.Count);
            Assert.All(rounds, r => Assert.Equal((RoundState.Failed, Selected - DropOuts, 0L), (r.State, r.Updates, r.BaseVersion)));
            var versions = await host.Operator.ListVersionsAsync(new RunRequest { RunId = run }, CoordinatorTestHost.Admin);
            Assert.Equal([0L], versions.Versions.Select(v => v.ModelVersion));

            // The documented end: every node is told the run ended with version 0 as its final version, and nothing is taken.
            foreach (var node in nodes)
            {
                var poll = await node.PollAsync(run);
                Assert.Equal((WaitForAssignmentReply.Types.Status.RunEnded, RunState.Failed, 0L), (poll.Status, poll.RunState, poll.LatestModelVersion));
            }

            // A drop-out that finally sends (a sender's retry would be recognised as the duplicate of its counted upload).
            var late = Enumerable.Range(0, Selected).Except(senders).First();
            var refused = await Assert.ThrowsAsync<RpcException>(() => nodes[late].SubmitAsync(nodes[late].Header(run, maxRetries + 1, 0, Examples, Examples), FakeNode.DenseChunks(Layout, RoundTests.MakeDelta(late))));
            Assert.Equal("run-not-active", refused.Trailers.GetValue("federated-rejection"));
        }
        finally
        {
            CoordinatorTestHost.DeleteDatabase(host.DatabasePath);
        }
    }

    [Fact]
    public async Task Tick_RetryMeetsQuorumBetweenDropOutRounds_CommitResetsConsecutiveFailures()
    {
        await using var host = await CoordinatorTestHost.StartAsync();
        try
        {
            // Quorum 8 and one retry: 7 updates fail a round, 8 commit it. Two failures separated by a commit must not add up.
            var (run, nodes) = await StartAsync(host, TestSpecs.RunConfig(rounds: 3, minClients: Selected, quorum: 8, deadlineSeconds: 60, onNoQuorum: "retry", maxRetries: 1));
            int[] sent = [7, 8, 7, 8];
            long version = 0;
            for (var round = 1; round <= sent.Length; round++)
            {
                await PollAllAsync(nodes, run, expectedRound: round);
                for (var k = 0; k < sent[round - 1]; k++)
                {
                    await nodes[k].SubmitAsync(nodes[k].Header(run, round, version, Examples, Examples), FakeNode.DenseChunks(Layout, RoundTests.MakeDelta(k)));
                }

                host.Time.Advance(TimeSpan.FromSeconds(60));
                host.Engine.Tick();
                version += sent[round - 1] >= 8 ? 1 : 0;
                var info = await RunAsync(host, run);
                Assert.Equal((RunState.Running, version), (info.State, info.ModelVersion));
            }

            // The fifth round opens once the two nodes that missed the fourth poll again.
            var rounds = await RoundsAsync(host, run);
            Assert.Equal(
                [RoundState.Failed, RoundState.Committed, RoundState.Failed, RoundState.Committed],
                rounds.Select(r => r.State));
        }
        finally
        {
            CoordinatorTestHost.DeleteDatabase(host.DatabasePath);
        }
    }

    /// <summary>The seven of the ten nodes that send, chosen by <paramref name="seed"/>.</summary>
    private static int[] Senders(int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, Selected).OrderBy(_ => random.Next()).Take(Selected - DropOuts).Order()];
    }

    private static async Task<(string Run, FakeNode[] Nodes)> StartAsync(CoordinatorTestHost host, string config)
    {
        var run = (await host.StartRunAsync(config)).RunId;
        var nodes = new FakeNode[Selected];
        for (var k = 0; k < Selected; k++)
        {
            nodes[k] = await host.EnrolAsync($"n{k:D2}");
            await nodes[k].JoinAsync(run);
        }

        return (run, nodes);
    }

    /// <summary>
    /// Every node polls (drop-outs too: they take their assignment, then never send) and is assigned <paramref name="expectedRound"/>.
    /// A drop-out that missed the last deadline is selectable again only from its next poll, so every node polls once
    /// first: the last of those polls starts the round.
    /// </summary>
    private static async Task PollAllAsync(FakeNode[] nodes, string run, long expectedRound)
    {
        foreach (var node in nodes)
        {
            await node.PollAsync(run);
        }

        foreach (var node in nodes)
        {
            var poll = await node.PollAsync(run);
            Assert.Equal((WaitForAssignmentReply.Types.Status.Assigned, expectedRound), (poll.Status, poll.Assignment?.Round ?? -1));
        }
    }

    private static async Task<List<RoundInfo>> RoundsAsync(CoordinatorTestHost host, string run) =>
        [.. (await host.Operator.ListRoundsAsync(new RunRequest { RunId = run }, CoordinatorTestHost.Admin)).Rounds];

    private static async Task<RunInfo> RunAsync(CoordinatorTestHost host, string run) =>
        (await host.Operator.ListRunsAsync(new ListRunsRequest(), CoordinatorTestHost.Admin)).Runs.Single(r => r.RunId == run);
}
