using Federated.Simulation.Engine;

namespace Federated.Simulation.Tests.Engine;

public sealed class GrpcFederationHostTests
{
    [Fact]
    public async Task StartAsync_EveryClientJoinsOverGrpc_GetsTheDataSetsCompiledModel()
    {
        var data = TinyFederation.Data(usersPerInstitution: 2);
        var config = new SimulationOptions().RunConfig(data.Spec, 3);
        await using var host = await GrpcFederationHost.StartAsync(config, data.Model, 3, CancellationToken.None);

        for (var c = 0; c < 3; c++)
        {
            var join = await host.Connection(c).JoinAsync(host.RunId, CancellationToken.None);

            Assert.Same(data.Model, join.Model);
            Assert.Equal(data.Model.Fingerprint, join.LayoutFingerprint);
        }
    }
}
