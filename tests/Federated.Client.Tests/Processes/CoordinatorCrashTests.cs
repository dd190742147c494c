using System.Net;
using System.Net.Sockets;
using Federated.Protos.V1;
using Grpc.Core;
using Grpc.Net.Client;
using Xunit.Abstractions;

namespace Federated.Client.Tests.Processes;

/// <summary>
/// Real processes: the built coordinator and three built nodes on loopback. The coordinator is killed (SIGKILL) while
/// the nodes train and upload a round, and started again on the same SQLite file and port; every node must finish the
/// run on its own (exit 0, never "stopped").
/// </summary>
public sealed class CoordinatorCrashTests(ITestOutputHelper output)
{
    private const string AdminToken = "client-process-tests-admin-0123456789";
    private const int Nodes = 3;

    /// <summary>A bound against a hang, not a timing.</summary>
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Nodes_CoordinatorKilledMidRoundAndRestartedOnSamePort_EveryNodeFinishesTheRunWithExitZero()
    {
        using var directory = new TempDirectory();
        var database = Path.Combine(directory.Path, "coordinator.db");
        var port = FreePort();
        var coordinator = StartCoordinator(directory.Path, database, port);
        var nodes = new List<ChildProcess>();
        try
        {
            await coordinator.LineAsync(l => l.Contains("Now listening on", StringComparison.Ordinal)).WaitAsync(Bound);
            using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{port}");
            var admin = new Operator.OperatorClient(channel);
            var headers = new Metadata { { "authorization", "Bearer " + AdminToken } };
            var run = await admin.StartRunAsync(new StartRunRequest { ConfigJson = RunConfig() }, headers);
            var schema = directory.Write("schema.json", SyntheticData.SchemaJson);
            for (var k = 0; k < Nodes; k++)
            {
                var token = (await admin.IssueTokenAsync(new IssueTokenRequest { NodeId = $"n{k}" }, headers)).Token;
                var data = SyntheticData.Write(directory.Path, 100 + k, 60 + (120 * k), 60, 15, $"node{k}.csv");
                nodes.Add(new ChildProcess(
                    "Federated.Client.dll",
                    ["run", "--coordinator", $"http://127.0.0.1:{port}", "--token", token, "--data", data, "--schema", schema, "--state", Path.Combine(directory.Path, $"state{k}"), "--seed", k.ToString(System.Globalization.CultureInfo.InvariantCulture)],
                    directory.Path,
                    new Dictionary<string, string> { ["FEDERATED_LOGGING__LOGLEVEL__DEFAULT"] = "Warning" }));
            }

            // Round 2 is under way once the node with the least data has trained it (it uploads now): the others, with more, still train.
            await Task.WhenAny(nodes.Select(n => n.LineAsync(l => l.Contains("round 2: trained", StringComparison.Ordinal)))).WaitAsync(Bound);
            coordinator.Kill();
            coordinator.Dispose();
            coordinator = StartCoordinator(directory.Path, database, port);

            using var bound = new CancellationTokenSource(Bound);
            var codes = await Task.WhenAll(nodes.Select(n => n.ExitCodeAsync(bound.Token)));

            Assert.All(codes, code => Assert.Equal(0, code));
            Assert.All(nodes, n => Assert.DoesNotContain("stopped", n.Output, StringComparison.OrdinalIgnoreCase));
            Assert.All(nodes, n => Assert.Contains($"run {run.RunId} ended at model version 4", n.Output, StringComparison.Ordinal));
            Assert.Contains(nodes, n => n.Output.Contains("coordinator unreachable, retry", StringComparison.Ordinal));

            // Written to a pipe, an event is one line at full width: the round's training line keeps all its metrics
            // (it is longer than the 80 columns a console library assumes without a terminal).
            Assert.All(nodes, n => Assert.Contains(n.Output.Split('\n'), l =>
                l.Contains("round 1: trained on", StringComparison.Ordinal) && l.Length > 80 && l.Contains("rating: rmse=", StringComparison.Ordinal) && l.TrimEnd().Contains("like: logloss=", StringComparison.Ordinal) && l.Contains(" auc=", StringComparison.Ordinal)));

            using var after = GrpcChannel.ForAddress($"http://127.0.0.1:{port}");
            var runs = await new Operator.OperatorClient(after).ListRunsAsync(new ListRunsRequest(), headers);
            Assert.Equal((RunState.Completed, 4L), runs.Runs.Where(r => r.RunId == run.RunId).Select(r => (r.State, r.ModelVersion)).Single());
        }
        finally
        {
            for (var k = 0; k < nodes.Count; k++)
            {
                output.WriteLine($"--- node {k}\n{nodes[k].Output}");
            }

            output.WriteLine($"--- coordinator\n{coordinator.Output}");
            coordinator.Dispose();
            foreach (var node in nodes)
            {
                node.Dispose();
            }

            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        }
    }

    /// <summary>
    /// Four rounds of the synthetic model with a large item table sent dense (an upload of about 8 MB, in chunks): the
    /// node with the least data is uploading when it has printed that it trained, and the others, with more data, train.
    /// </summary>
    private static string RunConfig()
    {
        var spec = SyntheticData.Spec() with { Fields = [.. SyntheticData.Spec().Fields.Select(f => f.Name == "item" ? f with { Buckets = 250_000 } : f)] };
        return $$"""
            {
              "name": "coordinator-crash", "seed": 5, "model": {{spec.ToJson()}}, "rounds": 4, "minClients": {{Nodes}}, "roundDeadlineSeconds": 120,
              "training": { "localEpochs": 6, "batchSize": 32, "learningRate": 0.01, "clipNorm": 0, "sparseEmbeddings": false, "optimizer": "adam" },
              "strategy": { "name": "fedavg" }
            }
            """;
    }

    private static ChildProcess StartCoordinator(string directory, string database, int port) => new(
        "Federated.Coordinator.dll",
        [
            "--urls", $"http://127.0.0.1:{port}",
            "--Coordinator:DatabasePath=" + database,
            "--Coordinator:AdminToken=" + AdminToken,
            "--Dashboard:Url=",
            "--Coordinator:MaxWaitSeconds=2",
            "--Logging:LogLevel:Default=Warning",
            "--Logging:LogLevel:Microsoft.Hosting.Lifetime=Information",
        ],
        directory);

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
