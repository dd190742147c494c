using Federated.Model.Metrics;
using Federated.Model.Parameters;
using Federated.Model.Spec;
using Federated.Protos.V1;
using Grpc.Net.Client;

namespace Federated.Coordinator.Tests.Dashboard;

/// <summary>
/// A coordinator on loopback with its dashboard on a free port, three in-process nodes speaking real gRPC, and a run
/// whose rounds they complete on demand, each with training metrics that improve round after round and a federated
/// evaluation of the version it produced.
/// </summary>
internal sealed class DashboardFederation : IAsyncDisposable
{
    public const string ViewerToken = "dashboard-viewer-token-0123456789";

    private static readonly ParameterLayout Layout = ParameterLayout.FromSpec(ModelSpec.FromJson(TestSpecs.SmallModel));

    private readonly GrpcChannel _channel;

    private DashboardFederation(LoopbackCoordinator coordinator, GrpcChannel channel, string runId, FakeNode[] nodes)
    {
        Coordinator = coordinator;
        _channel = channel;
        RunId = runId;
        Nodes = nodes;
        Operator = new Operator.OperatorClient(channel);
    }

    public LoopbackCoordinator Coordinator { get; }

    public Operator.OperatorClient Operator { get; }

    public string RunId { get; }

    public FakeNode[] Nodes { get; }

    public Uri Dashboard => Coordinator.DashboardAddress;

    public long RoundsDone { get; private set; }

    /// <summary>Starts the coordinator, a run of <paramref name="rounds"/> rounds (config <paramref name="runConfig"/> if given) and three joined nodes.</summary>
    public static async Task<DashboardFederation> StartAsync(int rounds = 10, string? runConfig = null)
    {
        var coordinator = await LoopbackCoordinator.StartAsync(new Dictionary<string, string?>
        {
            ["Dashboard:Url"] = "http://127.0.0.1:0",
            ["Dashboard:ViewerToken"] = ViewerToken,
        });
        var channel = GrpcChannel.ForAddress(coordinator.Address);
        var operatorClient = new Operator.OperatorClient(channel);
        var federation = new Federation.FederationClient(channel);
        var run = await operatorClient.StartRunAsync(new StartRunRequest { ConfigJson = runConfig ?? TestSpecs.RunConfig(rounds: rounds) }, CoordinatorTestHost.Admin);
        var nodes = new List<FakeNode>();
        foreach (var id in new[] { "n1", "n2", "n3" })
        {
            var token = (await operatorClient.IssueTokenAsync(new IssueTokenRequest { NodeId = id }, CoordinatorTestHost.Admin)).Token;
            var node = new FakeNode(id, token, federation);
            await node.JoinAsync(run.RunId);
            nodes.Add(node);
        }

        return new DashboardFederation(coordinator, channel, run.RunId, [.. nodes]);
    }

    /// <summary>Runs one more round: every node polls, gets the assignment and sends its update, then evaluates the new version.</summary>
    public async Task RunRoundAsync()
    {
        var round = RoundsDone + 1;
        foreach (var node in Nodes)
        {
            var poll = await node.PollAsync(RunId);
            Assert.Equal(WaitForAssignmentReply.Types.Status.Assigned, poll.Status);
            Assert.Equal(round, poll.Assignment.Round);
        }

        for (var k = 0; k < Nodes.Length; k++)
        {
            var header = Nodes[k].Header(RunId, round, round - 1, 40, 40);
            header.TrainingMetrics.Add(Metrics(round, k, "click"));
            header.TrainingMetrics.Add(Metrics(round, k, "rating"));
            Assert.True((await Nodes[k].SubmitAsync(header, FakeNode.DenseChunks(Layout, RoundTests.MakeDelta(k, 0.01f)))).Accepted);
        }

        for (var k = 0; k < Nodes.Length; k++)
        {
            var evaluation = new SubmitEvaluationRequest { RunId = RunId, ModelVersion = round };
            evaluation.Metrics.Add(Metrics(round + 0.5, k, "click"));
            evaluation.Metrics.Add(Metrics(round + 0.5, k, "rating"));
            Assert.True((await Nodes[k].Client.SubmitEvaluationAsync(evaluation, Nodes[k].Headers)).Accepted);
        }

        RoundsDone = round;
    }

    /// <summary>
    /// A node's metrics after <paramref name="progress"/> rounds: 40 examples whose scores separate the labels better
    /// (binary) or predict them closer (regression) as progress grows. Deterministic.
    /// </summary>
    private static TaskSummary Metrics(double progress, int node, string task)
    {
        var summary = new TaskSummary { Task = task };
        if (task == "click")
        {
            var binary = new BinaryMetricSummary(100);
            for (var i = 0; i < 40; i++)
            {
                var label = (i + node) % 2;
                var noise = ((i * 37) % 40 / 40f) - 0.5f;
                var p = Math.Clamp(0.5f + ((label - 0.5f) * (float)(0.15 * progress)) + (noise * 0.6f), 0.01f, 0.99f);
                binary.Add(p, label);
            }

            summary.Values.Add(binary.ToArray());
        }
        else
        {
            var regression = new RegressionMetricSummary();
            for (var i = 0; i < 40; i++)
            {
                var label = 1 + (i % 5);
                regression.Add(label + (float)((((i * 13) % 9) - 4) / (1 + progress)), label);
            }

            summary.Values.Add(regression.ToArray());
        }

        return summary;
    }

    public async ValueTask DisposeAsync()
    {
        _channel.Dispose();
        await Coordinator.DisposeAsync();
    }
}
