using Federated.Model.Parameters;
using Federated.Model.Spec;
using Federated.Protos;
using Federated.Protos.V1;

namespace Federated.Coordinator.Tests;

public sealed class RoundTests
{
    private static readonly ParameterLayout Layout = ParameterLayout.FromSpec(ModelSpec.FromJson(TestSpecs.SmallModel));
    private static readonly long[] Examples = [10, 20, 30];
    private static readonly long[] ClickExamples = [0, 20, 30];

    [Fact]
    public async Task SubmitUpdate_ThreeDenseUpdates_NewGlobalIsExampleWeightedAverage()
    {
        await using var host = await CoordinatorTestHost.StartAsync();
        try
        {
            var (run, nodes) = await StartRoundAsync(host);
            var global = await nodes[0].DownloadAsync(run, 0);
            var deltas = nodes.Select((_, k) => MakeDelta(k)).ToArray();
            for (var k = 0; k < 3; k++)
            {
                var reply = await nodes[k].SubmitAsync(nodes[k].Header(run, 1, 0, Examples[k], ClickExamples[k]), FakeNode.DenseChunks(Layout, deltas[k]));
                Assert.True(reply.Accepted);
                Assert.Equal(k + 1, reply.UpdatesInRound);
            }

            var next = await nodes[0].DownloadAsync(run, 1);
            foreach (var tensor in Layout.InScope(ParameterScope.Shared))
            {
                var weights = tensor.Name.StartsWith("tower/click/", StringComparison.Ordinal) ? ClickExamples : Examples;
                for (var i = 0; i < tensor.Length; i++)
                {
                    double sum = 0;
                    for (var k = 0; k < 3; k++)
                    {
                        sum += weights[k] * deltas[k][tensor.Name][i];
                    }

                    var expected = global[tensor.Name][i] + (sum / weights.Sum());
                    Assert.Equal(expected, next[tensor.Name][i], 5);
                }
            }

            var runInfo = (await host.Operator.ListRunsAsync(new ListRunsRequest(), CoordinatorTestHost.Admin)).Runs.Single();
            Assert.Equal(1, runInfo.ModelVersion);
            var rounds = await host.Operator.ListRoundsAsync(new RunRequest { RunId = run }, CoordinatorTestHost.Admin);
            Assert.Equal(Protos.V1.RoundState.Committed, rounds.Rounds[0].State);
            Assert.Equal(Protos.V1.RoundState.Open, rounds.Rounds[1].State);
        }
        finally
        {
            CoordinatorTestHost.DeleteDatabase(host.DatabasePath);
        }
    }

    [Fact]
    public async Task SubmitUpdate_SparseEmbeddingRows_EachRowAveragedOverNodesThatSentIt()
    {
        await using var host = await CoordinatorTestHost.StartAsync();
        try
        {
            var (run, nodes) = await StartRoundAsync(host);
            var global = await nodes[0].DownloadAsync(run, 0);
            int[][] rows = [[0, 2], [2, 5], []];
            var deltas = nodes.Select((_, k) => MakeDelta(k)).ToArray();
            var item = Layout["emb/item"];
            for (var k = 0; k < 3; k++)
            {
                var sparseValues = rows[k].SelectMany(r => deltas[k]["emb/item"].AsSpan(r * item.Columns, item.Columns).ToArray()).ToArray();
                var chunks = Layout.InScope(ParameterScope.Shared)
                    .Where(t => t.Name != "emb/item")
                    .SelectMany(t => TensorChunker.Dense(t.Name, deltas[k][t.Name], 0, t.Length))
                    .Concat(TensorChunker.Sparse("emb/item", rows[k], sparseValues, item.Columns));
                await nodes[k].SubmitAsync(nodes[k].Header(run, 1, 0, Examples[k], ClickExamples[k]), chunks);
            }

            var next = await nodes[0].DownloadAsync(run, 1);
            for (var r = 0; r < item.Rows; r++)
            {
                for (var c = 0; c < item.Columns; c++)
                {
                    double sum = 0, weight = 0;
                    for (var k = 0; k < 3; k++)
                    {
                        if (rows[k].Contains(r))
                        {
                            sum += Examples[k] * deltas[k]["emb/item"][(r * item.Columns) + c];
                            weight += Examples[k];
                        }
                    }

                    var i = (r * item.Columns) + c;
                    var expected = global["emb/item"][i] + (weight > 0 ? sum / weight : 0);
                    Assert.Equal(expected, next["emb/item"][i], 5);
                }
            }
        }
        finally
        {
            CoordinatorTestHost.DeleteDatabase(host.DatabasePath);
        }
    }

    [Fact]
    public async Task SubmitUpdate_SameUploadIdTwice_RecognisedAndCountedOnce()
    {
        await using var host = await CoordinatorTestHost.StartAsync();
        try
        {
            var (run, nodes) = await StartRoundAsync(host);
            var header = nodes[0].Header(run, 1, 0, 10, 0, "upload-a");
            var first = await nodes[0].SubmitAsync(header, FakeNode.DenseChunks(Layout, MakeDelta(0)));
            var second = await nodes[0].SubmitAsync(header, FakeNode.DenseChunks(Layout, MakeDelta(0)));

            Assert.False(first.Duplicate);
            Assert.True(second.Duplicate);
            Assert.Equal(1, second.UpdatesInRound);
        }
        finally
        {
            CoordinatorTestHost.DeleteDatabase(host.DatabasePath);
        }
    }

    [Fact]
    public async Task SubmitEvaluation_TwoNodes_MetricsMergedPerTask()
    {
        await using var host = await CoordinatorTestHost.StartAsync();
        try
        {
            var (run, nodes) = await StartRoundAsync(host);
            for (var k = 0; k < 2; k++)
            {
                var summary = new Model.Metrics.RegressionMetricSummary();
                summary.Add(1f + k, 2f);
                var request = new SubmitEvaluationRequest { RunId = run, ModelVersion = 0 };
                var metric = new TaskSummary { Task = "rating" };
                metric.Values.Add(summary.ToArray());
                request.Metrics.Add(metric);
                var reply = await host.Federation.SubmitEvaluationAsync(request, nodes[k].Headers);
                Assert.True(reply.Accepted);
            }

            var rows = (await host.Operator.GetMetricsAsync(new RunRequest { RunId = run }, CoordinatorTestHost.Admin)).Rows;
            var rating = Assert.Single(rows);
            Assert.Equal("eval", rating.Kind);
            Assert.Equal(2, rating.Figures["count"]);
            Assert.Equal(Math.Sqrt(0.5), rating.Figures["rmse"], 9);
        }
        finally
        {
            CoordinatorTestHost.DeleteDatabase(host.DatabasePath);
        }
    }

    internal static async Task<(string Run, FakeNode[] Nodes)> StartRoundAsync(CoordinatorTestHost host, string? config = null)
    {
        var run = (await host.StartRunAsync(config ?? TestSpecs.RunConfig())).RunId;
        var nodes = new[] { await host.EnrolAsync("n1"), await host.EnrolAsync("n2"), await host.EnrolAsync("n3") };
        foreach (var node in nodes)
        {
            var join = await node.JoinAsync();
            Assert.Equal(run, join.RunId);
        }

        foreach (var node in nodes)
        {
            var poll = await node.PollAsync(run);
            Assert.Equal(WaitForAssignmentReply.Types.Status.Assigned, poll.Status);
            Assert.Equal(1, poll.Assignment.Round);
            Assert.Equal(0, poll.Assignment.ModelVersion);
        }

        return (run, nodes);
    }

    /// <summary>A known delta of node <paramref name="k"/> for every shared tensor.</summary>
    internal static Dictionary<string, float[]> MakeDelta(int k, float scale = 1f)
    {
        var delta = new Dictionary<string, float[]>(StringComparer.Ordinal);
        var j = 0;
        foreach (var tensor in Layout.InScope(ParameterScope.Shared))
        {
            var values = new float[tensor.Length];
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = scale * (((k + 1) * 0.1f) - ((i % 7) * 0.01f * (j + 1)));
            }

            delta[tensor.Name] = values;
            j++;
        }

        return delta;
    }
}
