using Federated.Simulation.Engine;
using Federated.Simulation.Reports;

namespace Federated.Simulation.Tests.Engine;

public sealed class TransportEquivalenceTests
{
    [Fact]
    public async Task RunAsync_GrpcOnLoopback_SameFiguresAsInMemory()
    {
        var data = TinyFederation.Data(usersPerInstitution: 6);
        var partition = TinyFederation.ByInstitution(data);
        var inMemory = await TinyFederation.Experiment(data, partition, rounds: 2, references: false).RunAsync();
        var overGrpc = TinyFederation.Experiment(data, partition, rounds: 2, references: false);
        overGrpc = new Experiment
        {
            Title = overGrpc.Title,
            CommandLine = overGrpc.CommandLine,
            Data = data,
            Partition = partition,
            Options = overGrpc.Options,
            WithReferences = false,
            HostFactory = async (config, model, clients, ct) => await GrpcFederationHost.StartAsync(config, model, clients, ct),
        };

        var grpc = await overGrpc.RunAsync();

        Assert.Equal("grpc (loopback)", grpc.Settings["transport"]);
        Assert.Equal(inMemory.Points.Count, grpc.Points.Count);
        foreach (var (a, b) in inMemory.Points.Zip(grpc.Points))
        {
            Assert.Equal((a.Series, a.Round, a.Client, a.Task, a.Metric), (b.Series, b.Round, b.Client, b.Task, b.Metric));
            Assert.True(Math.Abs(a.Value - b.Value) <= 1e-6 * Math.Max(1, Math.Abs(a.Value)), $"{a} vs {b}");
        }

        Assert.Contains(grpc.Points, p => p.Series == ExperimentSeries.Federated && p.Round == 2);
    }
}
