using System.Diagnostics.Metrics;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Federated.Client.Federation;
using Federated.Client.Training;
using Federated.Coordinator.Rounds;
using Federated.Model.Parameters;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace Federated.Client.Tests.Federation;

/// <summary>The node's bulk uploads: used when the coordinator offers them, SubmitUpdate otherwise, never a downgrade from TLS.</summary>
public sealed class BulkUploadConnectionTests
{
    private static readonly Dictionary<string, string?> BulkOn = new() { ["BulkUpload:Enabled"] = "true" };

    [Fact]
    public async Task RunAsync_CoordinatorWithBulkPort_EveryUpdateOverBulkAndTheRunCompletes()
    {
        using var scenario = new FederationScenario();
        await using var coordinator = await LoopbackCoordinator.StartAsync(scenario.CoordinatorDirectory, BulkOn);
        using var connections = new MetricCollector<long>(coordinator.Services.GetRequiredService<IMeterFactory>(), CoordinatorMetrics.MeterName, "federated.bulk.connections");
        var run = coordinator.StartRun(FederationScenario.RunConfig());

        var summaries = await Task.WhenAll(Enumerable.Range(0, 3).Select(k => Task.Run(async () =>
        {
            using var connection = new GrpcCoordinatorConnection(coordinator.Address, coordinator.IssueToken($"inst{k}"));
            var runner = new NodeRunner(connection, scenario.LoadData(k), FederationScenario.RunnerOptions(scenario.StateDirectories[k]));
            return await runner.RunAsync();
        })));

        Assert.All(summaries, s => Assert.Equal((true, 3, 3L), (s.Completed, s.RoundsTrained, s.ModelVersion)));
        Assert.All(coordinator.Engine.ListRounds(run.RunId), r => Assert.Equal((RoundState.Committed, 3), (r.State, r.Updates)));
        Assert.Empty(coordinator.Recorder.Chunks);
        Assert.Equal(9, connections.GetMeasurementSnapshot().Count(m => Equals(m.Tags["outcome"], "Accepted")));
    }

    [Fact]
    public async Task SubmitUpdateAsync_NoBulkPort_SubmitUpdateUsed()
    {
        var (result, coordinatorChunks, _) = await SubmitOnceAsync(settings: null, new GrpcConnectionOptions());

        Assert.True(result.Accepted);
        Assert.NotEmpty(coordinatorChunks);
    }

    [Fact]
    public async Task SubmitUpdateAsync_BulkUploadsOffOnTheNode_SubmitUpdateUsed()
    {
        var (result, coordinatorChunks, bulk) = await SubmitOnceAsync(BulkOn, new GrpcConnectionOptions { BulkUploads = false });

        Assert.True(result.Accepted);
        Assert.NotEmpty(coordinatorChunks);
        Assert.Equal(0, bulk);
    }

    [Fact]
    public async Task SubmitUpdateAsync_SameUploadTwiceOverBulk_SecondIsADuplicate()
    {
        using var scenario = new FederationScenario(nodes: 1);
        await using var coordinator = await LoopbackCoordinator.StartAsync(scenario.CoordinatorDirectory, BulkOn);
        var run = coordinator.StartRun(FederationScenario.RunConfig(minClients: 1));
        using var connection = new GrpcCoordinatorConnection(coordinator.Address, coordinator.IssueToken("n1"));
        var update = await TrainAsync(scenario, connection, run.RunId);

        var first = await connection.SubmitUpdateAsync(run.RunId, "u-1", update, CancellationToken.None);
        var second = await connection.SubmitUpdateAsync(run.RunId, "u-1", update, CancellationToken.None);

        Assert.Equal(new SubmitResult(true, false), first);
        Assert.Equal(new SubmitResult(true, true), second);
        Assert.Empty(coordinator.Recorder.Chunks);
    }

    [Fact]
    public async Task SubmitUpdateAsync_EngineRefusesTheBulkUpdate_RejectedWithTheCoordinatorsReason()
    {
        using var scenario = new FederationScenario(nodes: 1);
        await using var coordinator = await LoopbackCoordinator.StartAsync(scenario.CoordinatorDirectory, BulkOn);
        var run = coordinator.StartRun(FederationScenario.RunConfig(minClients: 1));
        using var connection = new GrpcCoordinatorConnection(coordinator.Address, coordinator.IssueToken("n1"));
        var update = await TrainAsync(scenario, connection, run.RunId);
        update.Delta.Tensors[^1].Values[0] = float.PositiveInfinity;

        var e = await Assert.ThrowsAsync<UpdateRejectedException>(() => connection.SubmitUpdateAsync(run.RunId, "u-1", update, CancellationToken.None));

        Assert.Equal("non-finite", e.Reason);
        Assert.Empty(coordinator.Recorder.Chunks);
    }

    [Fact]
    public async Task SubmitUpdateAsync_BulkOverTls_AcceptedThroughTheNodesCertificateCheck()
    {
        using var certificate = SelfSigned(out var pfx);
        var checkedCertificate = "";
        var settings = new Dictionary<string, string?>(BulkOn) { ["BulkUpload:CertificatePath"] = pfx };
        var options = new GrpcConnectionOptions { BulkCertificateValidation = (_, served, _, _) => (checkedCertificate = served?.GetCertHashString() ?? "") == certificate.GetCertHashString() };

        var (result, coordinatorChunks, bulk) = await SubmitOnceAsync(settings, options);

        Assert.True(result.Accepted);
        Assert.Empty(coordinatorChunks);
        Assert.Equal(1, bulk);
        Assert.Equal(certificate.GetCertHashString(), checkedCertificate);
    }

    [Fact]
    public async Task SubmitUpdateAsync_HttpsNodeOfferedPlaintextBulk_FallsBackToSubmitUpdate()
    {
        using var certificate = SelfSigned(out var pfx);
        var settings = new Dictionary<string, string?>(BulkOn) { ["Kestrel:Certificates:Default:Path"] = pfx };
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, served, _, _) => served?.GetCertHashString() == certificate.GetCertHashString();

        var (result, coordinatorChunks, bulk) = await SubmitOnceAsync(settings, new GrpcConnectionOptions { HttpHandler = handler }, "https://127.0.0.1:0");

        Assert.True(result.Accepted);
        Assert.NotEmpty(coordinatorChunks);
        Assert.Equal(0, bulk);
    }

    /// <summary>One trained update of a one-node run, submitted once: the result, the SubmitUpdate chunks the coordinator saw, and the bulk connections it served.</summary>
    private static async Task<(SubmitResult Result, List<(string UploadId, string Tensor, bool Sparse)> Chunks, int Bulk)> SubmitOnceAsync(
        IReadOnlyDictionary<string, string?>? settings, GrpcConnectionOptions options, string urls = "http://127.0.0.1:0")
    {
        using var scenario = new FederationScenario(nodes: 1);
        await using var coordinator = await LoopbackCoordinator.StartAsync(scenario.CoordinatorDirectory, settings, urls);
        using var connections = new MetricCollector<long>(coordinator.Services.GetRequiredService<IMeterFactory>(), CoordinatorMetrics.MeterName, "federated.bulk.connections");
        var run = coordinator.StartRun(FederationScenario.RunConfig(minClients: 1));
        using var connection = new GrpcCoordinatorConnection(coordinator.Address, coordinator.IssueToken("n1"), options);
        var update = await TrainAsync(scenario, connection, run.RunId);

        var result = await connection.SubmitUpdateAsync(run.RunId, "u-1", update, CancellationToken.None);

        Assert.Equal(1, coordinator.Engine.ListRounds(run.RunId).Single(r => r.Round == 1).ResultVersion);
        return (result, coordinator.Recorder.Chunks.ToList(), connections.GetMeasurementSnapshot().Count);
    }

    private static async Task<LocalUpdate> TrainAsync(FederationScenario scenario, GrpcCoordinatorConnection connection, string runId)
    {
        var join = await connection.JoinAsync(runId, CancellationToken.None);
        var global = new ParameterSet(join.Model.Layout);
        await connection.DownloadModelAsync(runId, 0, global, CancellationToken.None);
        var offer = await connection.WaitForAssignmentAsync(runId, TimeSpan.FromSeconds(5), CancellationToken.None);
        using var session = new NodeTrainingSession(scenario.LoadData(0)(join.Model), scenario.StateDirectories[0]);
        return session.Train(offer.Assignment!, global);
    }

    /// <summary>A self-signed certificate for 127.0.0.1, written as a PKCS#12 file without a password.</summary>
    private static X509Certificate2 SelfSigned(out string pfx)
    {
        var directory = Directory.CreateTempSubdirectory("federated-bulk-tls-");
        pfx = Path.Combine(directory.FullName, "coordinator.pfx");
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        File.WriteAllBytes(pfx, certificate.Export(X509ContentType.Pkcs12));
        return certificate;
    }
}
