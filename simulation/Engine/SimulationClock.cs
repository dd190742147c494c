namespace Federated.Simulation.Engine;

/// <summary>
/// The in-memory host's clock: the system's time plus an offset that only grows, so a simulation can let a round's
/// deadline pass at once (<see cref="Advance"/>) instead of waiting for it. Timers run on the system's time.
/// </summary>
internal sealed class SimulationClock : TimeProvider
{
    private long _offsetTicks;

    /// <inheritdoc/>
    public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));

    /// <summary>Moves the clock forward by <paramref name="by"/> (&gt; 0).</summary>
    public void Advance(TimeSpan by)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(by, TimeSpan.Zero);
        Interlocked.Add(ref _offsetTicks, by.Ticks);
    }
}
