using Federated.Client.Training;

namespace Federated.Client.Federation;

/// <summary>Settings of a <see cref="NodeRunner"/>.</summary>
public sealed record NodeRunnerOptions
{
    /// <summary>The run to join, or null for the coordinator's single active run. Default null.</summary>
    public string? RunId { get; init; }

    /// <summary>The node's state directory: local tensors (<c>local-state.bin</c>) and the last global model (<c>global-model.bin</c>). Default <c>node-state</c>.</summary>
    public string StateDirectory { get; init; } = "node-state";

    /// <summary>
    /// Start afresh: state files already in <see cref="StateDirectory"/> are moved aside (<see cref="StateDirectoryClaim"/>)
    /// instead of resumed. Without it, state of another run or model layout is an error. Default false.
    /// </summary>
    public bool FreshState { get; init; }

    /// <summary>Settings of the local training session. Defaults when null.</summary>
    public NodeTrainingOptions? Training { get; init; }

    /// <summary>
    /// Asked before each assigned round is trained: true when the node's data changed since it was last loaded (e.g.
    /// <see cref="Data.DataFileWatch.Changed"/>). The runner then loads the data again and trains this round and the next
    /// on it; the loader's split must keep old rows where they were (<see cref="Data.SplitMethod.Hash"/>), or test rows
    /// would become training rows. Null (default): the data is read once, at the join.
    /// </summary>
    public Func<bool>? DataChanged { get; init; }

    /// <summary>How long one long poll for an assignment may be held by the coordinator. Default 30 s.</summary>
    public TimeSpan MaxWait { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Pause after a poll that came back with nothing well before <see cref="MaxWait"/> (a coordinator that does not hold polls). Default 1 s.</summary>
    public TimeSpan IdlePollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>First retry delay when the coordinator is unreachable; doubles per attempt. Default 1 s.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest retry delay. Default 60 s.</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How long the node keeps trying to reach the coordinator for its first join before it gives up (exit 5 on the
    /// command line); <see cref="Timeout.InfiniteTimeSpan"/> = until stopped. Once joined, an unreachable coordinator
    /// is retried until it comes back. Default 3 minutes.
    /// </summary>
    public TimeSpan FirstJoinTimeout { get; init; } = TimeSpan.FromMinutes(3);

    /// <summary>Retries of one call before the node gives up; 0 = retry until stopped. Default 0.</summary>
    public int MaxRetries { get; init; }

    /// <summary>
    /// Waits between polls and retries; null uses <c>Task.Delay</c> on the runner's <see cref="TimeProvider"/>. Tests
    /// inject one that returns at once and records the delays.
    /// </summary>
    public Func<TimeSpan, CancellationToken, Task>? Delay { get; init; }

    /// <summary>A uniform number in [0, 1) per retry for the jitter; null uses <see cref="Random.Shared"/>.</summary>
    public Func<double>? Jitter { get; init; }

    /// <summary>The retry settings above as one record.</summary>
    internal RetryOptions Retry() => new()
    {
        InitialBackoff = InitialBackoff,
        MaxBackoff = MaxBackoff,
        MaxRetries = MaxRetries,
        Delay = Delay,
        Jitter = Jitter,
    };
}
