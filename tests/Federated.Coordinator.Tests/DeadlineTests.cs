using Federated.Model.Parameters;
using Federated.Model.Spec;
using Federated.Protos.V1;
using Grpc.Core;

namespace Federated.Coordinator.Tests;

public sealed class DeadlineTests
{
    private static readonly ParameterLayout Layout = ParameterLayout.FromSpec(ModelSpec.FromJson(TestSpecs.SmallModel));

    [Fact]
    public async Task Tick_DeadlinePassedWithQuorum_RoundCommittedFromArrivedUpdates()
    {
        await using var host = await CoordinatorTestHost.StartAsync();
        try
        {
            var (run, nodes) = await RoundTests.StartRoundAsync(host, TestSpecs.RunConfig(minClients: 3, quorum: 2, deadlineSeconds: 60));
            var global = await nodes[0].DownloadAsync(run, 0);
            var d0 = RoundTests.MakeDelta(0);
            var d1 = RoundTests.MakeDelta(1);
            await nodes[0].SubmitAsync(nodes[0].Header(run, 1, 0, 10, 10), FakeNode.DenseChunks(Layout, d0));
            await nodes[1].SubmitAsync(nodes[1].Header(run, 1, 0, 30, 30), FakeNode.DenseChunks(Layout, d1));

            host.Time.Advance(TimeSpan.FromSeconds(59));
            host.Engine.Tick();
            Assert.Equal(0, (await RunAsync(host, run)).ModelVersion);
            host.Time.Advance(TimeSpan.FromSeconds(1));
            host.Engine.Tick();

            Assert.Equal(1, (await RunAsync(host, run)).ModelVersion);
            var next = await nodes[0].DownloadAsync(run, 1);
            foreach (var (name, values) in next)
            {
                for (var i = 0; i < values.Length; i++)
                {
                    Assert.Equal(global[name][i] + (((10.0 * d0[name][i]) + (30.0 * d1[name][i])) / 40), values[i], 5);
                }
            }
        }
        finally
        {
            CoordinatorTestHost.DeleteDatabase(host.DatabasePath);
        }
    }

    [Fact]
    public async Task Tick_DeadlinePassedWithoutQuorumAndRetry_NewRoundFromSameVersion()
    {
        await using var host = await CoordinatorTestHost.StartAsync();
        try
        {
            var (run, nodes) = await RoundTests.StartRoundAsync(host, TestSpecs.RunConfig(minClients: 3, quorum: 2, onNoQuorum: "retry", maxRetries: 1));
            await nodes[0].SubmitAsync(nodes[0].Header(run, 1, 0, 10, 10), FakeNode.DenseChunks(Layout, RoundTests.MakeDelta(0)));

            host.Time.Advance(TimeSpan.FromSeconds(60));
            host.Engine.Tick();

            // Nodes 2 and 3 missed the deadline: they are selectable again once they poll (the second poll starts round 2).
            Assert.Null((await nodes[1].PollAsync(run)).Assignment);
            await nodes[2].PollAsync(run);
            var rounds = (await host.Operator.ListRoundsAsync(new RunRequest { RunId = run }, CoordinatorTestHost.Admin)).Rounds;
            Assert.Equal(Protos.V1.RoundState.Failed, rounds[0].State);
            Assert.Equal(Protos.V1.RoundState.Open, rounds[1].State);
            Assert.Equal(0, rounds[1].BaseVersion);
            var poll = await nodes[0].PollAsync(run);
            Assert.Equal(2, poll.Assignment.Round);
            Assert.Equal(RunState.Running, (await RunAsync(host, run)).State);
        }
        finally
        {
            CoordinatorTestHost.DeleteDatabase(host.DatabasePath);
        }
    }

    [Fact]
    public async Task Tick_DeadlinePassedWithoutQuorumAndRetriesExhausted_RunFails()
    {
        await using var host = await CoordinatorTestHost.StartAsync();
        try
        {
            var (run, nodes) = await RoundTests.StartRoundAsync(host, TestSpecs.RunConfig(minClients: 3, onNoQuorum: "fail"));

            host.Time.Advance(TimeSpan.FromSeconds(60));
            host.Engine.Tick();

            var info = await RunAsync(host, run);
            Assert.Equal(RunState.Failed, info.State);
            Assert.Contains("without quorum", info.Message, StringComparison.Ordinal);
            var poll = await nodes[0].PollAsync(run);
            Assert.Equal(WaitForAssignmentReply.Types.Status.RunEnded, poll.Status);
        }
        finally
        {
            CoordinatorTestHost.DeleteDatabase(host.DatabasePath);
        }
    }

    [Fact]
    public async Task PauseResumeStop_OperatorCalls_ChangeRunState()
    {
        await using var host = await CoordinatorTestHost.StartAsync();
        try
        {
            var (run, nodes) = await RoundTests.StartRoundAsync(host);
            var request = new RunRequest { RunId = run };

            Assert.Equal(RunState.Paused, (await host.Operator.PauseRunAsync(request, CoordinatorTestHost.Admin)).State);
            Assert.Equal(RunState.Running, (await host.Operator.ResumeRunAsync(request, CoordinatorTestHost.Admin)).State);
            Assert.Equal(RunState.Stopped, (await host.Operator.StopRunAsync(request, CoordinatorTestHost.Admin)).State);
            var e = await Assert.ThrowsAsync<RpcException>(async () => await host.Operator.ResumeRunAsync(request, CoordinatorTestHost.Admin));

            Assert.Equal(StatusCode.FailedPrecondition, e.StatusCode);
            Assert.Equal(WaitForAssignmentReply.Types.Status.RunEnded, (await nodes[0].PollAsync(run)).Status);
        }
        finally
        {
            CoordinatorTestHost.DeleteDatabase(host.DatabasePath);
        }
    }

    private static async Task<RunInfo> RunAsync(CoordinatorTestHost host, string run) =>
        (await host.Operator.ListRunsAsync(new ListRunsRequest(), CoordinatorTestHost.Admin)).Runs.Single(r => r.RunId == run);
}
