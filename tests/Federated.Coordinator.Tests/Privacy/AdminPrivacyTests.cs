using System.Globalization;
using System.Text.Json;
using Federated.Coordinator.Aggregation.Privacy;
using Federated.Coordinator.Privacy;
using Federated.Coordinator.Runs;
using Federated.Model.Parameters;
using Federated.Model.Spec;
using Federated.Protos.V1;

namespace Federated.Coordinator.Tests.Privacy;

/// <summary>
/// The ε a private run has spent, where operators and nodes look: <c>RunInfo.privacy</c>, the <c>admin runs</c>,
/// <c>status</c> and <c>metrics</c> output, and the node's Join and WaitForAssignment replies.
/// </summary>
public sealed class AdminPrivacyTests
{
    private static readonly ParameterLayout Layout = ParameterLayout.FromSpec(ModelSpec.FromJson(TestSpecs.SmallModel));

    [Fact]
    public async Task Runs_PrivateRunAfterOneCommittedRound_ShowsEpsilonOfOneRoundAndDelta()
    {
        var config = TestSpecs.RunConfig(rounds: 5, minClients: 1).Replace(
            "\"strategy\": { \"name\": \"fedavg\" }",
            """
            "strategy": { "name": "fedavg" },
            "privacy": { "targetEpsilon": 4, "calibrationRounds": 2, "delta": 1e-5, "sampleRate": 1, "expectedClients": 1, "clipNorm": 1 }
            """,
            StringComparison.Ordinal);
        var z = PrivacyPlan.From(RunConfig.FromJson(config))!.NoiseMultiplier;
        var afterOne = RdpAccountant.Epsilon(1, z, 1, 1e-5).Epsilon;

        await using var host = await CoordinatorTestHost.StartAsync();
        try
        {
            var run = (await host.StartRunAsync(config)).RunId;
            var plain = (await host.StartRunAsync(TestSpecs.RunConfig(rounds: 5, minClients: 1))).RunId;
            var node = await host.EnrolAsync("n1");
            await node.JoinAsync(run);
            Assert.Equal(1, (await node.PollAsync(run)).Assignment.Round);
            var reply = await node.SubmitAsync(node.Header(run, 1, 0, 10, 10), FakeNode.DenseChunks(Layout, RoundTests.MakeDelta(0, 0.01f)));
            Assert.True(reply.Accepted);

            var runs = (await host.Operator.ListRunsAsync(new ListRunsRequest(), CoordinatorTestHost.Admin)).Runs;
            var info = runs.Single(r => r.RunId == run);
            Assert.Equal(1, info.ModelVersion);
            Assert.Equal(afterOne, info.Privacy.Epsilon, 1e-12);
            Assert.Equal(1e-5, info.Privacy.Delta);
            Assert.Equal(4, info.Privacy.TargetEpsilon);
            Assert.Null(runs.Single(r => r.RunId == plain).Privacy);

            var (code, output, error) = await AdminCommandTests.AdminAsync(host, "runs");
            Assert.Equal((0, ""), (code, error));
            var lines = AdminCommandTests.Lines(output);
            var expected = string.Create(CultureInfo.InvariantCulture, $"  ε={afterOne:0.00}/4 (δ=1e-05)  'test'");
            Assert.Equal("  ε=2.71/4 (δ=1e-05)  'test'", expected);
            Assert.Contains(expected, lines.Single(l => l.StartsWith(run + " ", StringComparison.Ordinal)), StringComparison.Ordinal);
            Assert.DoesNotContain("ε=", lines.Single(l => l.StartsWith(plain + " ", StringComparison.Ordinal)), StringComparison.Ordinal);

            var json = await AdminCommandTests.AdminAsync(host, "runs", "--json");
            var privacy = JsonDocument.Parse(json.Output).RootElement.GetProperty("runs").EnumerateArray()
                .Single(r => r.GetProperty("runId").GetString() == run).GetProperty("privacy");
            Assert.Equal(afterOne, privacy.GetProperty("epsilon").GetDouble(), 1e-12);
            Assert.Equal(1e-5, privacy.GetProperty("delta").GetDouble());
            Assert.Equal(4, privacy.GetProperty("targetEpsilon").GetDouble());
        }
        finally
        {
            CoordinatorTestHost.DeleteDatabase(host.DatabasePath);
        }
    }

    [Fact]
    public async Task StatusMetricsAndNodeReplies_PrivateRunAfterTwoRounds_ShowEpsilonOfEachVersion()
    {
        var config = TestSpecs.RunConfig(rounds: 4, minClients: 1).Replace(
            "\"strategy\": { \"name\": \"fedavg\" }",
            """
            "strategy": { "name": "fedavg" },
            "privacy": { "noiseMultiplier": 2, "delta": 1e-5, "sampleRate": 1, "expectedClients": 1, "clipNorm": 1 }
            """,
            StringComparison.Ordinal);
        var one = RdpAccountant.Epsilon(1, 2, 1, 1e-5).Epsilon;
        var two = RdpAccountant.Epsilon(1, 2, 2, 1e-5).Epsilon;

        await using var host = await CoordinatorTestHost.StartAsync();
        try
        {
            var run = (await host.StartRunAsync(config)).RunId;
            var plain = (await host.StartRunAsync(TestSpecs.RunConfig(rounds: 5, minClients: 1))).RunId;
            var node = await host.EnrolAsync("n1");
            var joined = await node.JoinAsync(run);
            Assert.Equal((0d, 1e-5, false), (joined.Privacy.Epsilon, joined.Privacy.Delta, joined.Privacy.HasTargetEpsilon));
            Assert.Null((await node.JoinAsync(plain)).Privacy);
            for (var round = 1; round <= 2; round++)
            {
                Assert.Equal(round, (await node.PollAsync(run)).Assignment.Round);
                Assert.True((await node.SubmitAsync(node.Header(run, round, round - 1, 10, 10), FakeNode.DenseChunks(Layout, RoundTests.MakeDelta(0, 0.01f)))).Accepted);
            }

            var poll = await node.PollAsync(run);
            Assert.Equal(2, poll.LatestModelVersion);
            Assert.Equal(two, poll.Privacy.Epsilon, 1e-12);
            Assert.Null((await node.PollAsync(plain)).Privacy);
            Assert.Equal(two, (await node.JoinAsync(run)).Privacy.Epsilon, 1e-12);

            var metrics = await host.Operator.GetMetricsAsync(new RunRequest { RunId = run }, CoordinatorTestHost.Admin);
            Assert.Equal([1L, 2L], metrics.Privacy.Select(p => p.ModelVersion));
            Assert.Equal(one, metrics.Privacy[0].Epsilon, 1e-12);
            Assert.Equal(two, metrics.Privacy[1].Epsilon, 1e-12);
            Assert.All(metrics.Privacy, p => Assert.Equal(1e-5, p.Delta));
            Assert.Empty((await host.Operator.GetMetricsAsync(new RunRequest { RunId = plain }, CoordinatorTestHost.Admin)).Privacy);

            var (code, output, error) = await AdminCommandTests.AdminAsync(host, "metrics", "--run", run);
            Assert.Equal((0, ""), (code, error));
            Assert.Equal(string.Create(CultureInfo.InvariantCulture, $"privacy: ε={two:0.00} (δ=1e-05) after version 2"), AdminCommandTests.Lines(output)[0]);

            var status = await AdminCommandTests.AdminAsync(host, "status");
            Assert.Equal((0, ""), (status.Code, status.Error));
            var lines = AdminCommandTests.Lines(status.Output);
            Assert.Contains("2 active run(s)", lines[0], StringComparison.Ordinal);
            Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"  ε={two:0.00} (δ=1e-05)  'test'"), lines.Single(l => l.StartsWith(run + " ", StringComparison.Ordinal)), StringComparison.Ordinal);
            Assert.DoesNotContain("ε=", lines.Single(l => l.StartsWith(plain + " ", StringComparison.Ordinal)), StringComparison.Ordinal);
        }
        finally
        {
            CoordinatorTestHost.DeleteDatabase(host.DatabasePath);
        }
    }
}
