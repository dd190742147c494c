using Federated.Client.Federation;
using Federated.Client.Training;
using Federated.Model.Parameters;
using Federated.Simulation.Engine;

namespace Federated.Simulation.Tests.Engine;

public sealed class InMemoryCoordinatorConnectionTests
{
    [Fact]
    public async Task JoinAsync_EveryClient_GetsTheDataSetsCompiledModel()
    {
        var data = TinyFederation.Data(usersPerInstitution: 3);
        var clients = VirtualClients.Build(data, TinyFederation.ByInstitution(data), seed: 1);
        var options = new SimulationOptions { Rounds = 2 };
        await using var host = new InMemoryFederationHost(options.RunConfig(data.Spec, clients.Count), data.Model, clients.Count);

        var joins = new List<FederationJoin>();
        for (var c = 0; c < clients.Count; c++)
        {
            joins.Add(await host.Connection(c).JoinAsync(host.RunId, CancellationToken.None));
        }

        Assert.All(joins, join => Assert.Same(data.Model, join.Model));
        Assert.All(joins, join => Assert.Equal(data.Model.Fingerprint, join.LayoutFingerprint));
        Assert.All(clients.Datasets, dataset => Assert.Same(data.Model, dataset.Model));
    }

    [Fact]
    public void Constructor_ModelCompiledFromAnotherSpecInstance_Throws()
    {
        var data = TinyFederation.Data(usersPerInstitution: 2);
        var config = new SimulationOptions().RunConfig(data.Spec, 3);

        var error = Assert.Throws<ArgumentException>(() => new InMemoryFederationHost(config, CompiledModel.Compile(data.Spec with { }), 3));

        Assert.Equal("model", error.ParamName);
    }

    [Fact]
    public async Task SubmitUpdateAsync_RetriedUploadId_IsDuplicateAndStaleRoundIsRejectedWithItsReason()
    {
        var data = TinyFederation.Data(usersPerInstitution: 3);
        var clients = VirtualClients.Build(data, TinyFederation.ByInstitution(data), seed: 1);
        var options = new SimulationOptions { Rounds = 2 };
        await using var host = new InMemoryFederationHost(options.RunConfig(data.Spec, clients.Count), data.Model, clients.Count);
        var connections = Enumerable.Range(0, clients.Count).Select(host.Connection).ToArray();
        foreach (var connection in connections)
        {
            var joined = await connection.JoinAsync(host.RunId, CancellationToken.None);
            Assert.Equal(0, joined.ModelVersion);

            // A joined node is selectable from its first poll, as a real node polls right after joining.
            await connection.WaitForAssignmentAsync(host.RunId, TimeSpan.Zero, CancellationToken.None);
        }

        await host.OpenAsync(CancellationToken.None);
        var offer = await connections[0].WaitForAssignmentAsync(host.RunId, TimeSpan.Zero, CancellationToken.None);
        Assert.Equal(AssignmentStatus.Assigned, offer.Status);
        var assignment = offer.Assignment!;
        var global = new ParameterSet(data.Model.Layout);
        await connections[0].DownloadModelAsync(host.RunId, assignment.ModelVersion, global, CancellationToken.None);
        using var workspace = new TrainingWorkspace(data.Model, options.NodeOptions());
        var update = workspace.Train(clients.CreateClient(0, ParameterSet.Initialize(data.Spec, 1)), assignment, global);

        var first = await connections[0].SubmitUpdateAsync(host.RunId, "u-1", update, CancellationToken.None);
        var retry = await connections[0].SubmitUpdateAsync(host.RunId, "u-1", update, CancellationToken.None);
        var rejected = await Assert.ThrowsAsync<UpdateRejectedException>(() => connections[0].SubmitUpdateAsync(host.RunId, "u-2", update with { Round = assignment.Round + 5 }, CancellationToken.None));

        Assert.False(first.Duplicate);
        Assert.True(retry.Duplicate);
        Assert.Equal("future-round", rejected.Reason);
    }
}
