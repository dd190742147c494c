using Federated.Coordinator.Grpc;
using Federated.Model.Parameters;
using Federated.Model.Spec;
using Federated.Protos;
using Federated.Protos.V1;
using Grpc.Core;

namespace Federated.Coordinator.Tests;

public sealed class RejectionTests
{
    private static readonly ParameterLayout Layout = ParameterLayout.FromSpec(ModelSpec.FromJson(TestSpecs.SmallModel));

    public static TheoryData<string, StatusCode, string> Cases => new()
    {
        { "node-mismatch", StatusCode.PermissionDenied, "node-mismatch" },
        { "not-selected", StatusCode.PermissionDenied, "not-selected" },
        { "unknown-run", StatusCode.NotFound, "unknown-run" },
        { "stale-round", StatusCode.FailedPrecondition, "stale-round" },
        { "future-round", StatusCode.OutOfRange, "future-round" },
        { "stale-base-version", StatusCode.Aborted, "stale-base-version" },
        { "future-base-version", StatusCode.OutOfRange, "future-base-version" },
        { "already-submitted", StatusCode.AlreadyExists, "already-submitted" },
        { "missing-tensor", StatusCode.InvalidArgument, "missing-tensor" },
        { "local-tensor", StatusCode.InvalidArgument, "unexpected-tensor" },
        { "unknown-tensor", StatusCode.InvalidArgument, "unexpected-tensor" },
        { "short-tensor", StatusCode.InvalidArgument, "wrong-shape" },
        { "sparse-dense-tensor", StatusCode.InvalidArgument, "wrong-shape" },
        { "row-out-of-range", StatusCode.OutOfRange, "row-out-of-range" },
        { "non-finite", StatusCode.InvalidArgument, "non-finite" },
        { "norm-too-large", StatusCode.InvalidArgument, "norm-too-large" },
        { "zero-examples", StatusCode.InvalidArgument, "invalid-example-count" },
        { "unknown-task-metrics", StatusCode.InvalidArgument, "invalid-metrics" },
        { "no-header", StatusCode.InvalidArgument, "malformed-upload" },
        { "no-upload-id", StatusCode.InvalidArgument, "malformed-upload" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task SubmitUpdate_InvalidUpdate_RejectedWithItsStatusAndAggregateUntouched(string scenario, StatusCode code, string reason)
    {
        await using var host = await CoordinatorTestHost.StartAsync();
        try
        {
            // n1 and n2 are selected for round 1 (minClients 2, 2 per round); n3 joins afterwards and is not.
            var run = (await host.StartRunAsync(TestSpecs.RunConfig(minClients: 2, nodesPerRound: 2, clipNorm: 5))).RunId;
            var n1 = await host.EnrolAsync("n1");
            var n2 = await host.EnrolAsync("n2");
            var n3 = await host.EnrolAsync("n3");
            await n1.JoinAsync(run);
            await n2.JoinAsync(run);
            await n3.JoinAsync(run);
            var global = await n1.DownloadAsync(run, 0);
            var good = RoundTests.MakeDelta(0, 0.1f);
            if (scenario == "already-submitted")
            {
                await n1.SubmitAsync(n1.Header(run, 1, 0, 10, 10, "first"), FakeNode.DenseChunks(Layout, good));
            }

            var (node, header, chunks) = Build(scenario, run, n1, n3, good);

            var e = await Assert.ThrowsAsync<RpcException>(() => node.SubmitAsync(header, chunks));

            Assert.Equal(code, e.StatusCode);
            Assert.Equal(reason, e.Trailers.GetValue(RejectionStatus.TrailerKey));
            Assert.StartsWith($"[{reason}] ", e.Status.Detail, StringComparison.Ordinal);

            // The round still completes from valid updates alone, as if the rejected one never arrived.
            if (scenario != "already-submitted")
            {
                await n1.SubmitAsync(n1.Header(run, 1, 0, 10, 10), FakeNode.DenseChunks(Layout, good));
            }

            await n2.SubmitAsync(n2.Header(run, 1, 0, 10, 10), FakeNode.DenseChunks(Layout, good));
            var next = await n1.DownloadAsync(run, 1);
            foreach (var (name, values) in next)
            {
                for (var i = 0; i < values.Length; i++)
                {
                    Assert.Equal(global[name][i] + good[name][i], values[i], 5);
                }
            }
        }
        finally
        {
            CoordinatorTestHost.DeleteDatabase(host.DatabasePath);
        }
    }

    private static (FakeNode Node, UpdateHeader? Header, IEnumerable<TensorChunk> Chunks) Build(string scenario, string run, FakeNode n1, FakeNode n3, Dictionary<string, float[]> good)
    {
        var header = n1.Header(run, 1, 0, 10, 10);
        var chunks = FakeNode.DenseChunks(Layout, good).ToList();
        var item = Layout["emb/item"];
        switch (scenario)
        {
            case "node-mismatch":
                header.NodeId = "n2";
                break;
            case "not-selected":
                return (n3, n3.Header(run, 1, 0, 10, 10), chunks);
            case "unknown-run":
                header.RunId = "run-99";
                break;
            case "stale-round":
                header.Round = 0;
                break;
            case "future-round":
                header.Round = 2;
                break;
            case "stale-base-version":
                header.BaseVersion = -1;
                break;
            case "future-base-version":
                header.BaseVersion = 1;
                break;
            case "already-submitted":
                header.UploadId = "second";
                break;
            case "missing-tensor":
                chunks.RemoveAll(c => c.Name == "bottom/dense0/b");
                break;
            case "local-tensor":
                chunks.AddRange(TensorChunker.Dense("emb/user", new float[10], 0, 10));
                break;
            case "unknown-tensor":
                chunks.AddRange(TensorChunker.Dense("emb/nothing", new float[10], 0, 10));
                break;
            case "short-tensor":
                chunks.RemoveAll(c => c.Name == "bottom/dense0/b");
                chunks.AddRange(TensorChunker.Dense("bottom/dense0/b", new float[2], 0, 2));
                break;
            case "sparse-dense-tensor":
                chunks.RemoveAll(c => c.Name == "bottom/dense0/b");
                chunks.AddRange(TensorChunker.Sparse("bottom/dense0/b", [0], new float[3], 3));
                break;
            case "row-out-of-range":
                chunks.RemoveAll(c => c.Name == "emb/item");
                chunks.AddRange(TensorChunker.Sparse("emb/item", [3, 10], new float[2 * item.Columns], item.Columns));
                break;
            case "non-finite":
                var bad = (float[])good["bottom/dense0/b"].Clone();
                bad[1] = float.NaN;
                chunks.RemoveAll(c => c.Name == "bottom/dense0/b");
                chunks.AddRange(TensorChunker.Dense("bottom/dense0/b", bad, 0, bad.Length));
                break;
            case "norm-too-large":
                chunks = FakeNode.DenseChunks(Layout, RoundTests.MakeDelta(0, 100f)).ToList();
                break;
            case "zero-examples":
                header.Examples = 0;
                break;
            case "unknown-task-metrics":
                var summary = new TaskSummary { Task = "purchase" };
                summary.Values.Add(new Model.Metrics.RegressionMetricSummary().ToArray());
                header.TrainingMetrics.Add(summary);
                break;
            case "no-header":
                return (n1, null, chunks);
            case "no-upload-id":
                header.UploadId = "";
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(scenario), scenario, null);
        }

        return (n1, header, chunks);
    }
}
