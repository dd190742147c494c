using Federated.Protos.V1;
using Grpc.Core;

namespace Federated.Coordinator.Tests;

/// <summary>Operator.WatchRounds: live events of the watched run only, and an unknown run refused.</summary>
public sealed class WatchRoundsTests
{
    [Fact]
    public async Task WatchRounds_UnknownRun_NotFoundUnknownRun()
    {
        await using var host = await CoordinatorTestHost.StartAsync();
        try
        {
            using var call = host.Operator.WatchRounds(new RunRequest { RunId = "run-404" }, CoordinatorTestHost.Admin, deadline: DateTime.UtcNow.AddSeconds(30));

            var refused = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(CancellationToken.None));

            Assert.Equal(StatusCode.NotFound, refused.StatusCode);
            Assert.Contains("unknown-run", refused.Status.Detail, StringComparison.Ordinal);
        }
        finally
        {
            CoordinatorTestHost.DeleteDatabase(host.DatabasePath);
        }
    }

    [Fact]
    public async Task WatchRounds_TwoRunsChange_DeliversTheWatchedRunsEventsOnly()
    {
        await using var host = await CoordinatorTestHost.StartAsync();
        try
        {
            var watched = (await host.StartRunAsync(TestSpecs.RunConfig())).RunId;
            var other = (await host.StartRunAsync(TestSpecs.RunConfig())).RunId;
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            using var call = host.Operator.WatchRounds(new RunRequest { RunId = watched }, CoordinatorTestHost.Admin, cancellationToken: timeout.Token);
            await call.ResponseHeadersAsync;

            await host.Operator.PauseRunAsync(new RunRequest { RunId = other }, CoordinatorTestHost.Admin);
            await host.Operator.PauseRunAsync(new RunRequest { RunId = watched }, CoordinatorTestHost.Admin);

            Assert.True(await call.ResponseStream.MoveNext(timeout.Token));
            var first = call.ResponseStream.Current;
            Assert.Equal((RoundEvent.Types.Kind.RunStateChanged, watched, RunState.Paused), (first.Kind, first.RunId, first.RunState));
        }
        finally
        {
            CoordinatorTestHost.DeleteDatabase(host.DatabasePath);
        }
    }
}
