using System.Net;
using System.Net.Sockets;
using Federated.Client.Federation;
using Federated.Client.Training;
using Federated.Model.Parameters;
using Federated.Model.Spec;
using Federated.Model.Updates;

namespace Federated.Client.Tests.Federation;

public sealed class GrpcCoordinatorConnectionTests
{
    [Fact]
    public async Task JoinAsync_UnknownToken_RejectedAsUnauthenticated()
    {
        using var scenario = new FederationScenario(nodes: 0);
        await using var coordinator = await LoopbackCoordinator.StartAsync(scenario.CoordinatorDirectory);
        coordinator.StartRun(FederationScenario.RunConfig(minClients: 1));
        using var connection = new GrpcCoordinatorConnection(coordinator.Address, "not-a-token");

        var error = await Assert.ThrowsAsync<UpdateRejectedException>(() => connection.JoinAsync(null, CancellationToken.None));

        Assert.Equal("unauthenticated", error.Reason);
    }

    [Fact]
    public async Task JoinAsync_NothingListening_CoordinatorUnavailable()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        using var connection = new GrpcCoordinatorConnection(new Uri($"http://127.0.0.1:{port}"), "token");

        await Assert.ThrowsAsync<CoordinatorUnavailableException>(() => connection.JoinAsync(null, CancellationToken.None));
    }

    [Fact]
    public async Task JoinAsync_JoinedAgain_SameCompiledModelWithTheCoordinatorsFingerprint()
    {
        using var scenario = new FederationScenario(nodes: 0);
        await using var coordinator = await LoopbackCoordinator.StartAsync(scenario.CoordinatorDirectory);
        var run = coordinator.StartRun(FederationScenario.RunConfig(minClients: 1));
        using var connection = new GrpcCoordinatorConnection(coordinator.Address, coordinator.IssueToken("n1"));

        var first = await connection.JoinAsync(run.RunId, CancellationToken.None);
        var again = await connection.JoinAsync(run.RunId, CancellationToken.None);

        Assert.Same(first.Model, again.Model);
        Assert.Equal(first.LayoutFingerprint, first.Model.Fingerprint);
        Assert.Equal(SyntheticData.Spec().ToJson(), first.Spec.ToJson());
    }

    [Fact]
    public async Task JoinAsync_KnownModelOfTheRunsSpec_HandedOutInsteadOfACompilation()
    {
        using var scenario = new FederationScenario(nodes: 0);
        await using var coordinator = await LoopbackCoordinator.StartAsync(scenario.CoordinatorDirectory);
        var run = coordinator.StartRun(FederationScenario.RunConfig(minClients: 1));
        var known = CompiledModel.Compile(SyntheticData.Spec());
        var other = CompiledModel.Compile(SyntheticData.Spec(userBuckets: 64));
        using var knowing = new GrpcCoordinatorConnection(coordinator.Address, coordinator.IssueToken("n1"), new GrpcConnectionOptions { Model = known });
        using var mistaken = new GrpcCoordinatorConnection(coordinator.Address, coordinator.IssueToken("n2"), new GrpcConnectionOptions { Model = other });

        var join = await knowing.JoinAsync(run.RunId, CancellationToken.None);
        var compiled = await mistaken.JoinAsync(run.RunId, CancellationToken.None);

        Assert.Same(known, join.Model);
        Assert.NotSame(other, compiled.Model);
        Assert.Equal(compiled.LayoutFingerprint, compiled.Model.Fingerprint);
        Assert.NotEqual(other.Fingerprint, compiled.Model.Fingerprint);
    }

    [Fact]
    public async Task DownloadModelAsync_TargetOfAnotherModel_InvalidDataAndTargetUntouched()
    {
        using var scenario = new FederationScenario(nodes: 0);
        await using var coordinator = await LoopbackCoordinator.StartAsync(scenario.CoordinatorDirectory);
        var run = coordinator.StartRun(FederationScenario.RunConfig(minClients: 1));
        using var connection = new GrpcCoordinatorConnection(coordinator.Address, coordinator.IssueToken("n1"));
        await connection.JoinAsync(run.RunId, CancellationToken.None);
        var other = new ParameterSet(ParameterLayout.FromSpec(SyntheticData.Spec(userBuckets: 64) with { Fields = [.. SyntheticData.Spec().Fields.Select(f => f.Name == "item" ? f with { Buckets = 32 } : f)] }));

        await Assert.ThrowsAsync<InvalidDataException>(() => connection.DownloadModelAsync(run.RunId, 0, other, CancellationToken.None));

        Assert.All(other.Values, v => Assert.Equal(0f, v));
    }

    [Theory]
    [InlineData(65_534)]
    [InlineData((16 * 1024 * 1024) + 1)]
    public void Constructor_StreamWindowOutOfRange_Refused(int bytes)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new GrpcCoordinatorConnection(new Uri("http://127.0.0.1:1"), "token", new GrpcConnectionOptions { Http2StreamWindowBytes = bytes }));

        Assert.Contains("Http2StreamWindowBytes", e.ParamName, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DownloadModelAsync_SmallestStreamWindow_SameModelAsTheDefault()
    {
        using var scenario = new FederationScenario(nodes: 1);
        await using var coordinator = await LoopbackCoordinator.StartAsync(scenario.CoordinatorDirectory);
        var run = coordinator.StartRun(FederationScenario.RunConfig(minClients: 1));
        var token = coordinator.IssueToken("n1");
        using var small = new GrpcCoordinatorConnection(coordinator.Address, token, new GrpcConnectionOptions { Http2StreamWindowBytes = 65_535 });
        using var large = new GrpcCoordinatorConnection(coordinator.Address, token);
        var join = await small.JoinAsync(run.RunId, CancellationToken.None);
        await large.JoinAsync(run.RunId, CancellationToken.None);
        var viaSmall = new ParameterSet(join.Model.Layout);
        var viaLarge = new ParameterSet(join.Model.Layout);

        await small.DownloadModelAsync(run.RunId, 0, viaSmall, CancellationToken.None);
        await large.DownloadModelAsync(run.RunId, 0, viaLarge, CancellationToken.None);

        Assert.Equal(viaLarge.Values.ToArray(), viaSmall.Values.ToArray());
        Assert.Contains(viaLarge.Values.ToArray(), v => v != 0);
    }

    [Fact]
    public async Task SubmitUpdateAsync_SmallChunks_AcceptedAndEveryTensorSplit()
    {
        using var scenario = new FederationScenario(nodes: 1);
        await using var coordinator = await LoopbackCoordinator.StartAsync(scenario.CoordinatorDirectory);
        var run = coordinator.StartRun(FederationScenario.RunConfig(minClients: 1));
        using var connection = new GrpcCoordinatorConnection(coordinator.Address, coordinator.IssueToken("n1"), new GrpcConnectionOptions { ChunkBytes = 64 });
        var join = await connection.JoinAsync(run.RunId, CancellationToken.None);
        var global = new ParameterSet(join.Model.Layout);
        await connection.DownloadModelAsync(run.RunId, 0, global, CancellationToken.None);
        var offer = await connection.WaitForAssignmentAsync(run.RunId, TimeSpan.FromSeconds(5), CancellationToken.None);
        using var session = new NodeTrainingSession(scenario.LoadData(0)(join.Model), scenario.StateDirectories[0]);
        var update = session.Train(offer.Assignment!, global);

        var result = await connection.SubmitUpdateAsync(run.RunId, "u-1", update, CancellationToken.None);

        Assert.True(result.Accepted);
        Assert.False(result.Duplicate);
        var largestDense = global.Layout.InScope(ParameterScope.Shared).Where(t => t.Kind != TensorKind.Embedding).MaxBy(t => t.Length)!;
        Assert.Equal((largestDense.Length * sizeof(float) + 63) / 64, coordinator.Recorder.Chunks.Count(c => c.Tensor == largestDense.Name));
        Assert.Equal(1, coordinator.Engine.ListRounds(run.RunId).Single(r => r.Round == 1).ResultVersion);
    }

    [Fact]
    public async Task WaitForAssignmentAsync_RunConfigTraining_MappedIntoTheAssignment()
    {
        using var scenario = new FederationScenario(nodes: 0);
        await using var coordinator = await LoopbackCoordinator.StartAsync(scenario.CoordinatorDirectory);
        var run = coordinator.StartRun(FederationScenario.RunConfig(minClients: 1, optimizer: "momentum"));
        using var connection = new GrpcCoordinatorConnection(coordinator.Address, coordinator.IssueToken("n1"));
        await connection.JoinAsync(run.RunId, CancellationToken.None);

        var offer = await connection.WaitForAssignmentAsync(run.RunId, TimeSpan.FromSeconds(5), CancellationToken.None);

        Assert.Equal(AssignmentStatus.Assigned, offer.Status);
        var expected = new Model.Training.LocalTrainingPlan { LocalEpochs = 2, BatchSize = 32, LearningRate = 0.01f, ClipNorm = 0, SparseEmbeddings = true, Optimizer = Model.Optimization.OptimizerKind.Momentum };
        Assert.Equal(new TrainingAssignment { Round = 1, ModelVersion = 0, Plan = expected }, offer.Assignment);
        Assert.NotNull(offer.Deadline);
    }

    [Fact]
    public async Task SubmitUpdateAsync_FutureRound_RejectedWithTheCoordinatorsReason()
    {
        using var scenario = new FederationScenario(nodes: 1);
        await using var coordinator = await LoopbackCoordinator.StartAsync(scenario.CoordinatorDirectory);
        var run = coordinator.StartRun(FederationScenario.RunConfig(minClients: 1));
        using var connection = new GrpcCoordinatorConnection(coordinator.Address, coordinator.IssueToken("n1"));
        var join = await connection.JoinAsync(run.RunId, CancellationToken.None);
        await connection.WaitForAssignmentAsync(run.RunId, TimeSpan.FromSeconds(5), CancellationToken.None);
        var global = new ParameterSet(join.Model.Layout);
        var update = new LocalUpdate(7, 0, ModelDelta.Compute(global, global), 0, 10, new Dictionary<string, long>(), [], 1);

        var error = await Assert.ThrowsAsync<UpdateRejectedException>(() => connection.SubmitUpdateAsync(run.RunId, "u-7", update, CancellationToken.None));

        Assert.Equal("future-round", error.Reason);
    }

    [Fact]
    public async Task SubmitUpdateAsync_LocalTensorInUpdate_RefusedBeforeAnythingIsSent()
    {
        using var scenario = new FederationScenario(nodes: 0);
        await using var coordinator = await LoopbackCoordinator.StartAsync(scenario.CoordinatorDirectory);
        var run = coordinator.StartRun(FederationScenario.RunConfig(minClients: 1));
        using var connection = new GrpcCoordinatorConnection(coordinator.Address, coordinator.IssueToken("n1"));
        var join = await connection.JoinAsync(run.RunId, CancellationToken.None);
        var global = new ParameterSet(join.Model.Layout);
        var leaky = ModelDelta.Compute(global, global, ParameterScope.Local);
        var update = new LocalUpdate(1, 0, leaky, 0, 10, new Dictionary<string, long>(), [], 1);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => connection.SubmitUpdateAsync(run.RunId, "u-1", update, CancellationToken.None));

        Assert.Contains("must not leave the node", error.Message, StringComparison.Ordinal);
        Assert.Empty(coordinator.Recorder.Headers);
    }

    [Fact]
    public async Task LeaveAsync_ErrorWithADetailFarOverTheBound_CutByTheNodeAndAcceptedByTheCoordinator()
    {
        using var scenario = new FederationScenario(nodes: 0);
        await using var coordinator = await LoopbackCoordinator.StartAsync(scenario.CoordinatorDirectory);
        var run = coordinator.StartRun(FederationScenario.RunConfig(minClients: 1));
        var token = coordinator.IssueToken("n1");
        using var connection = new GrpcCoordinatorConnection(coordinator.Address, token);
        await connection.JoinAsync(run.RunId, CancellationToken.None);
        using var channel = Grpc.Net.Client.GrpcChannel.ForAddress(coordinator.Address);
        var raw = new Protos.V1.Federation.FederationClient(channel);
        var headers = new Grpc.Core.Metadata { { "authorization", "Bearer " + token } };

        // A node in another language may send any length: the coordinator bounds it itself instead of refusing the leave.
        await raw.LeaveAsync(new Protos.V1.LeaveRequest { RunId = run.RunId, Reason = Protos.V1.LeaveReason.Error, Detail = new string('x', 100_000) }, headers);
        await connection.LeaveAsync(run.RunId, LeaveReason.Error, new string('y', 10_000), CancellationToken.None);

        var cut = LeaveDetail.Bound(new string('y', 10_000));
        Assert.Equal(LeaveDetail.MaxChars, cut.Length);
        Assert.EndsWith("…", cut, StringComparison.Ordinal);
        Assert.Equal("short", LeaveDetail.Bound("short"));
    }
}
