using Federated.Client.Federation;
using Federated.Simulation.Engine;

namespace Federated.Simulation.Tests.Engine;

/// <summary>The simulation's virtual clients play their rounds through the node's own round step: its upload ids, retries and refusals.</summary>
public sealed class FederatedDriverRoundStepTests
{
    [Theory]
    [InlineData(SubmitFailure.Unreachable)]
    [InlineData(SubmitFailure.LostReply)]
    public async Task RunAsync_FirstUploadFails_RetriedUnderTheSameIdAndFiguresIdentical(SubmitFailure failure)
    {
        var data = TinyFederation.Data(usersPerInstitution: 6);
        var partition = TinyFederation.ByInstitution(data);
        var expected = await TinyFederation.Experiment(data, partition, rounds: 2, references: false).RunAsync();
        var delays = new List<TimeSpan>();
        FlakySubmitHost? host = null;

        var actual = await Flaky(TinyFederation.Experiment(data, partition, rounds: 2, references: false), f => host = new FlakySubmitHost(f, failure), delays).RunAsync();

        Assert.Equal(expected.Points, actual.Points);
        var uploads = host!.Uploads;
        Assert.Equal((2 * 3) + 1, uploads.Count);
        Assert.Equal((0, 0), (uploads[0].Client, uploads[1].Client));
        Assert.Equal(uploads[0].UploadId, uploads[1].UploadId);
        Assert.Equal(UploadId.For(InMemoryFederationHost.NodeId(0), host.RunId, 1, 0), uploads[0].UploadId);
        Assert.Equal(failure == SubmitFailure.LostReply, uploads[1].Result!.Duplicate);
        Assert.Equal([0, 0, 1, 2, 0, 1, 2], uploads.Select(u => u.Client));
        Assert.Single(delays);
    }

    [Fact]
    public async Task RunAsync_UploadRefused_StopsWithTheClientAndTheReason()
    {
        var data = TinyFederation.Data(usersPerInstitution: 6);
        var experiment = Flaky(TinyFederation.Experiment(data, TinyFederation.ByInstitution(data), rounds: 2, references: false), f => new FlakySubmitHost(f, SubmitFailure.Refused), []);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => experiment.RunAsync());

        Assert.Contains("round 1", error.Message, StringComparison.Ordinal);
        Assert.Contains("norm-too-large", error.Message, StringComparison.Ordinal);
        Assert.IsType<UpdateRejectedException>(error.InnerException);
    }

    private static Experiment Flaky(Experiment experiment, Func<InMemoryFederationHost, FlakySubmitHost> wrap, List<TimeSpan> delays) => new()
    {
        Title = experiment.Title,
        CommandLine = experiment.CommandLine,
        Data = experiment.Data,
        Partition = experiment.Partition,
        Options = experiment.Options with
        {
            Retry = new RetryOptions
            {
                Delay = (delay, _) =>
                {
                    delays.Add(delay);
                    return Task.CompletedTask;
                },
            },
        },
        WithReferences = false,
        HostFactory = (config, model, clients, _) => Task.FromResult<IFederationHost>(wrap(new InMemoryFederationHost(config, model, clients))),
    };
}
