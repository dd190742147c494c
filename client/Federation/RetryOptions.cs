namespace Federated.Client.Federation;

/// <summary>How a node retries a call when the coordinator is unreachable (<see cref="CoordinatorRetry"/>).</summary>
public sealed record RetryOptions
{
    /// <summary>First retry delay; doubles per attempt. Default 1 s.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest retry delay. Default 60 s.</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Retries of one call before giving up; 0 = retry until stopped. Default 0.</summary>
    public int MaxRetries { get; init; }

    /// <summary>
    /// Waits between retries (and a runner's idle polls); null uses <c>Task.Delay</c> on the retry's
    /// <see cref="TimeProvider"/>. Tests inject one that returns at once and records the delays.
    /// </summary>
    public Func<TimeSpan, CancellationToken, Task>? Delay { get; init; }

    /// <summary>A uniform number in [0, 1) per retry for the jitter; null uses <see cref="Random.Shared"/>.</summary>
    public Func<double>? Jitter { get; init; }
}
