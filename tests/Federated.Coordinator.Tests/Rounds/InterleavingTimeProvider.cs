using Microsoft.Extensions.Time.Testing;

namespace Federated.Coordinator.Tests.Rounds;

/// <summary>
/// A fake clock that can run one action at the moment the code under test starts a timer — that is, between a long
/// poll's last look at the state and its wait — to force an interleaving that real time only hits by chance.
/// </summary>
internal sealed class InterleavingTimeProvider : TimeProvider
{
    private Action? _beforeNextTimer;

    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    public override TimeZoneInfo LocalTimeZone => Clock.LocalTimeZone;

    public override long TimestampFrequency => Clock.TimestampFrequency;

    /// <summary>Runs <paramref name="action"/> once, on the thread that creates the next timer, before creating it.</summary>
    public void BeforeNextTimer(Action action) => _beforeNextTimer = action;

    public override DateTimeOffset GetUtcNow() => Clock.GetUtcNow();

    public override long GetTimestamp() => Clock.GetTimestamp();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        Interlocked.Exchange(ref _beforeNextTimer, null)?.Invoke();
        return Clock.CreateTimer(callback, state, dueTime, period);
    }
}
