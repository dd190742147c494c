using Federated.Client.Federation;

namespace Federated.Client.Tests.Federation;

/// <summary>A retry that gives up after a time: the first join of a node whose coordinator cannot be reached.</summary>
public sealed class CoordinatorRetryGiveUpTests
{
    [Fact]
    public async Task RunAsync_UnreachableWithGiveUpAfter10s_StopsBeforeWaitingPastItAndSaysSo()
    {
        var delays = new List<TimeSpan>();
        var retry = new CoordinatorRetry(new RetryOptions
        {
            InitialBackoff = TimeSpan.FromSeconds(1),
            Jitter = () => 1,
            Delay = (delay, _) =>
            {
                delays.Add(delay);
                return Task.CompletedTask;
            },
        });
        var attempts = 0;

        var failure = await Assert.ThrowsAsync<CoordinatorUnavailableException>(() => retry.RunAsync<int>(
            "join",
            _ =>
            {
                attempts++;
                throw new CoordinatorUnavailableException("join: the coordinator is unreachable: the coordinator's host name could not be resolved (DNS)");
            },
            CancellationToken.None,
            CancellationToken.None,
            giveUpAfter: TimeSpan.FromSeconds(10)));

        // Waits of 1, 2 and 4 s fit in 10 s; the next (8 s) would not, so the fourth failure is the last.
        Assert.Equal([TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4)], delays);
        Assert.Equal(4, attempts);
        Assert.StartsWith("join: the coordinator is unreachable: the coordinator's host name could not be resolved (DNS)", failure.Message, StringComparison.Ordinal);
        Assert.Contains("gave up after 4 attempts in 7 s", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_NoGiveUp_RetriesUntilTheCallSucceeds()
    {
        var retry = new CoordinatorRetry(new RetryOptions { Jitter = () => 1, Delay = (_, _) => Task.CompletedTask });
        var attempts = 0;

        var result = await retry.RunAsync("join", _ => ++attempts < 20 ? throw new CoordinatorUnavailableException("down") : Task.FromResult(attempts), CancellationToken.None, CancellationToken.None);

        Assert.Equal(20, result);
    }
}
