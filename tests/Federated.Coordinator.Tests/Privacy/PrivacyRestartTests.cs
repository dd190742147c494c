using Federated.Coordinator.Aggregation.Privacy;
using Federated.Coordinator.Privacy;
using Federated.Coordinator.Runs;
using Federated.Coordinator.Storage;
using Federated.Coordinator.Tests.Aggregation;
using Federated.Model.Parameters;
using Federated.Model.Spec;
using Federated.Protos.V1;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Federated.Coordinator.Tests.Privacy;

/// <summary>
/// A private run through the real coordinator (gRPC over TestServer, a SQLite file): its ledger is stored with each
/// version, and a coordinator restarted after round 2 reports the same ε and continues bit-identically.
/// </summary>
public sealed class PrivacyRestartTests
{
    private static readonly ParameterLayout Layout = ParameterLayout.FromSpec(ModelSpec.FromJson(TestSpecs.SmallModel));

    [Fact]
    public async Task Restart_AfterTwoPrivateFedAdamRounds_FourthVersionLedgerAndEpsilonEqualAnUninterruptedRun()
    {
        // q = 1: the Poisson sample holds every node, so the scripted rounds know who trains.
        var config = TestSpecs.RunConfig(rounds: 4).Replace(
            "\"strategy\": { \"name\": \"fedavg\" }",
            """
            "strategy": { "name": "fedadam", "parameters": { "serverLearningRate": 0.05, "tau": 0.01 } },
            "privacy": { "noiseMultiplier": 0.5, "delta": 1e-5, "sampleRate": 1, "expectedClients": 3, "adaptive": { "initialClip": 0.05, "countNoise": 1 } }
            """,
            StringComparison.Ordinal);
        Assert.Contains("privacy", config, StringComparison.Ordinal);

        string uninterruptedPath;
        Dictionary<string, float[]> uninterrupted;
        await using (var host = await CoordinatorTestHost.StartAsync(configure: KeyedNoise))
        {
            uninterruptedPath = host.DatabasePath;
            var (run, nodes) = await RoundTests.StartRoundAsync(host, config);
            for (var round = 1; round <= 4; round++)
            {
                await FedAdamRestartTests.SubmitRoundAsync(nodes, run, round);
            }

            uninterrupted = await nodes[0].DownloadAsync(run, 4);
            var listed = (await host.Operator.ListRunsAsync(new ListRunsRequest(), CoordinatorTestHost.Admin)).Runs.Single();
            Assert.StartsWith("dp-fedadam", listed.Strategy, StringComparison.Ordinal);
        }

        string restartedPath;
        string[] tokens;
        await using (var host = await CoordinatorTestHost.StartAsync(configure: KeyedNoise))
        {
            restartedPath = host.DatabasePath;
            var (run, nodes) = await RoundTests.StartRoundAsync(host, config);
            await FedAdamRestartTests.SubmitRoundAsync(nodes, run, 1);
            await FedAdamRestartTests.SubmitRoundAsync(nodes, run, 2);
            tokens = [.. nodes.Select(n => n.Token)];
        }

        try
        {
            Dictionary<string, float[]> resumed;
            await using (var restarted = await CoordinatorTestHost.StartAsync(restartedPath, configure: KeyedNoise))
            {
                var run = (await restarted.Operator.ListRunsAsync(new ListRunsRequest(), CoordinatorTestHost.Admin)).Runs.Single();
                Assert.Equal(2, run.ModelVersion);
                var nodes = tokens.Select((token, k) => new FakeNode($"n{k + 1}", token, restarted.Federation)).ToArray();
                foreach (var node in nodes)
                {
                    Assert.Equal(3, (await node.PollAsync(run.RunId)).Assignment.Round);
                }

                await FedAdamRestartTests.SubmitRoundAsync(nodes, run.RunId, 3);
                await FedAdamRestartTests.SubmitRoundAsync(nodes, run.RunId, 4);
                resumed = await nodes[0].DownloadAsync(run.RunId, 4);
            }

            foreach (var (name, values) in uninterrupted)
            {
                Assert.Equal(ServerOptimizerFixture.Bits(values), ServerOptimizerFixture.Bits(resumed[name]));
            }

            var plan = PrivacyPlan.From(RunConfig.FromJson(config))!;
            using var a = new SqliteStore(uninterruptedPath);
            using var b = new SqliteStore(restartedPath);
            var stored = a.LoadStrategyState("run-1", 4);
            Assert.NotNull(stored);
            Assert.Equal(stored, b.LoadStrategyState("run-1", 4));
            var ledger = PrivacyLedger.Deserialize(stored, plan).Ledger;
            Assert.Equal(4, ledger.Steps);
            Assert.Equal(RdpAccountant.Epsilon(1, 0.5, 4, 1e-5), ledger.Spent);
            Assert.NotEqual(0.05, ledger.ClipNorm);
            Assert.Equal(2, PrivacyLedger.Deserialize(a.LoadStrategyState("run-1", 2), plan).Ledger.Steps);
        }
        finally
        {
            CoordinatorTestHost.DeleteDatabase(uninterruptedPath);
            CoordinatorTestHost.DeleteDatabase(restartedPath);
        }
    }

    private static void KeyedNoise(WebApplicationBuilder builder) =>
        builder.Services.Replace(ServiceDescriptor.Singleton(PrivacyNoiseSource.Keyed([42])));
}
