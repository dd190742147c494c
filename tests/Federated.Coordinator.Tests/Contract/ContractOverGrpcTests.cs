using Federated.Model.Parameters;
using Federated.Model.Spec;
using Federated.Protos;
using Federated.Protos.V1;
using Kind = Federated.Protos.V1.TensorDescriptor.Types.Kind;
using Role = Federated.Protos.V1.TensorDescriptor.Types.Role;
using Scope = Federated.Protos.V1.TensorDescriptor.Types.Scope;
using Status = Federated.Protos.V1.WaitForAssignmentReply.Types.Status;

namespace Federated.Coordinator.Tests.Contract;

/// <summary>What a node learns over real gRPC without any rule of its own: tensor kinds, scopes, tasks, and versions.</summary>
public sealed class ContractOverGrpcTests
{
    /// <summary>MMoE with a shared and a local task, a shared and a local field.</summary>
    private const string MmoeModel = """
        {
          "fields": [
            { "name": "item", "dim": 2, "buckets": 6, "scope": "shared" },
            { "name": "user", "dim": 2, "vocabulary": 5, "scope": "local" }
          ],
          "numeric": [],
          "trunk": { "kind": "mmoe", "hidden": [3], "experts": 2, "levels": 1 },
          "tasks": [
            { "name": "click", "kind": "binary", "tower": [2], "scope": "shared", "weight": 1 },
            { "name": "rating", "kind": "regression", "tower": [2], "scope": "local", "weight": 1 }
          ]
        }
        """;

    [Fact]
    public async Task DownloadModel_MmoeModel_HeaderDescribesKindScopeRoleAndTaskOfEachSharedTensor()
    {
        await using var host = await CoordinatorTestHost.StartAsync();
        try
        {
            var run = (await host.StartRunAsync(TestSpecs.RunConfig(MmoeModel, minClients: 1))).RunId;
            var node = await host.EnrolAsync("n1");
            var join = await node.JoinAsync(run);
            Assert.Equal(Status.Assigned, (await node.PollAsync(run)).Status);

            using var call = host.Federation.DownloadModel(new DownloadModelRequest { RunId = run, ModelVersion = 0 }, node.Headers);
            var header = await ModelStreamReader.ReadAsync(call.ResponseStream, t => new float[(long)t.Rows * t.Columns]);

            Assert.Equal(join.LayoutFingerprint, header.LayoutFingerprint);
            string[] expectedNames =
            [
                "expert/0/dense0/w", "expert/0/dense0/b", "expert/1/dense0/w", "expert/1/dense0/b",
                "gate/click/w", "gate/click/b", "gate/rating/w", "gate/rating/b",
                "tower/click/dense0/w", "tower/click/dense0/b", "tower/click/out/w", "tower/click/out/b",
                "emb/item",
            ];
            Assert.Equal(expectedNames, header.Tensors.Select(t => t.Name));
            foreach (var tensor in header.Tensors)
            {
                Assert.Equal(Scope.Shared, tensor.Scope);
                var (kind, role, task, field) = Expected(tensor.Name);
                Assert.True(kind == tensor.Kind, $"{tensor.Name}: kind {tensor.Kind}, expected {kind}");
                Assert.True(role == tensor.Role, $"{tensor.Name}: role {tensor.Role}, expected {role}");
                Assert.True(task == tensor.Task, $"{tensor.Name}: task '{tensor.Task}', expected '{task}'");
                Assert.True(field == tensor.Field, $"{tensor.Name}: field '{tensor.Field}', expected '{field}'");
            }

            var item = header.Tensors.Single(t => t.Kind == Kind.Embedding);
            Assert.Equal((6, 2), (item.Rows, item.Columns));
        }
        finally
        {
            CoordinatorTestHost.DeleteDatabase(host.DatabasePath);
        }
    }

    [Fact]
    public async Task WaitForAssignment_RoundsCommitAndRunEnds_ReplyCarriesLatestVersion()
    {
        await using var host = await CoordinatorTestHost.StartAsync();
        try
        {
            var run = (await host.StartRunAsync(TestSpecs.RunConfig(rounds: 2, minClients: 1))).RunId;
            var node = await host.EnrolAsync("n1");
            await node.JoinAsync(run);
            var layout = ParameterLayout.FromSpec(ModelSpec.FromJson(TestSpecs.SmallModel));
            var zero = layout.InScope(ParameterScope.Shared).ToDictionary(t => t.Name, t => new float[t.Length], StringComparer.Ordinal);

            var first = await node.PollAsync(run);
            Assert.Equal((Status.Assigned, 1L, 0L, 0L), (first.Status, first.Assignment.Round, first.Assignment.ModelVersion, first.LatestModelVersion));
            await node.SubmitAsync(node.Header(run, 1, 0, 10, 10), FakeNode.DenseChunks(layout, zero));

            // The node learns that round 1 committed from the version, not from re-joining.
            var second = await node.PollAsync(run);
            Assert.Equal((Status.Assigned, 2L, 1L, 1L), (second.Status, second.Assignment.Round, second.Assignment.ModelVersion, second.LatestModelVersion));
            await node.SubmitAsync(node.Header(run, 2, 1, 10, 10), FakeNode.DenseChunks(layout, zero));

            var ended = await node.PollAsync(run);
            Assert.Equal((Status.RunEnded, RunState.Completed, 2L), (ended.Status, ended.RunState, ended.LatestModelVersion));

            // A retry of an update whose round has closed: a duplicate, with updates_in_round 0 as the proto says.
            var retry = await node.SubmitAsync(node.Header(run, 2, 1, 10, 10), FakeNode.DenseChunks(layout, zero));
            Assert.Equal((true, true, 2L, 0), (retry.Accepted, retry.Duplicate, retry.Round, retry.UpdatesInRound));
        }
        finally
        {
            CoordinatorTestHost.DeleteDatabase(host.DatabasePath);
        }
    }

    /// <summary>What a tensor of <see cref="MmoeModel"/> is, from its name alone (written out here, not derived from the layout).</summary>
    private static (Kind Kind, Role Role, string Task, string Field) Expected(string name)
    {
        var kind = name == "emb/item" ? Kind.Embedding : name.EndsWith("/w", StringComparison.Ordinal) ? Kind.Weight : Kind.Bias;
        return name switch
        {
            "emb/item" => (kind, Role.Embedding, "", "item"),
            _ when name.StartsWith("expert/", StringComparison.Ordinal) => (kind, Role.Expert, "", ""),
            _ when name.StartsWith("gate/click/", StringComparison.Ordinal) => (kind, Role.Gate, "click", ""),
            _ when name.StartsWith("gate/rating/", StringComparison.Ordinal) => (kind, Role.Gate, "rating", ""),
            _ when name.StartsWith("tower/click/", StringComparison.Ordinal) => (kind, Role.Tower, "click", ""),
            _ => throw new ArgumentException($"unexpected tensor '{name}'", nameof(name)),
        };
    }
}
