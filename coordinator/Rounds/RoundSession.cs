using Federated.Coordinator.Rounds.Pipeline;
using Federated.Model.Metrics;

namespace Federated.Coordinator.Rounds;

/// <summary>The open round of a run: who was selected, what arrived, and the running aggregate. Guarded by its run's state lock.</summary>
internal sealed class RoundSession
{
    public RoundSession(long round, long baseVersion, IReadOnlyList<string> selected, DateTimeOffset startedAt, DateTimeOffset deadline, RoundAggregation aggregation, IEnumerable<string>? released = null)
    {
        Released = new SortedSet<string>(released ?? [], StringComparer.Ordinal);
        Round = round;
        BaseVersion = baseVersion;
        Selected = selected;
        SelectedSet = new HashSet<string>(selected, StringComparer.Ordinal);
        StartedAt = startedAt;
        Deadline = deadline;
        Aggregation = aggregation;
    }

    public long Round { get; }

    public long BaseVersion { get; }

    public IReadOnlyList<string> Selected { get; }

    public HashSet<string> SelectedSet { get; }

    public DateTimeOffset StartedAt { get; }

    public DateTimeOffset Deadline { get; set; }

    public RoundAggregation Aggregation { get; }

    /// <summary>The round's activity (<see cref="RoundTracing"/>), or null when nobody traces.</summary>
    public System.Diagnostics.Activity? Trace { get; init; }

    /// <summary>The round's secure-aggregation state when its run has secure aggregation, else null.</summary>
    public SecureRoundSession? Secure { get; set; }

    /// <summary>
    /// The round's label statistics when it is its run's label-statistics round (nodes send label counts and sums, and
    /// its commit sets shared output biases instead of aggregating updates), else null.
    /// </summary>
    public LabelStatisticsRound? LabelStatistics { get; init; }

    /// <summary>True while the round's aggregate is being finished and stored: it takes no more updates.</summary>
    public bool Closing { get; set; }

    /// <summary>Selected nodes that left or were revoked before they sent: the round no longer waits for them, and takes nothing from them.</summary>
    public SortedSet<string> Released { get; }

    /// <summary>How many updates the round waits for at most: its selected nodes less the released ones.</summary>
    public int Awaited => Selected.Count - Released.Count;

    /// <summary>Whether <paramref name="nodeId"/> holds a slot in the round: selected and not released.</summary>
    public bool Holds(string nodeId) => SelectedSet.Contains(nodeId) && !Released.Contains(nodeId);

    /// <summary>Accepted upload id per node.</summary>
    public Dictionary<string, string> Accepted { get; } = new(StringComparer.Ordinal);

    /// <summary>Merged training metrics per task (replaced, never changed in place, when an update is accepted).</summary>
    public SortedDictionary<string, TaskMetrics> TrainingMetrics { get; set; } = new(StringComparer.Ordinal);

    public StoredRound ToStored(string runId, RoundState state, DateTimeOffset? closedAt = null, long? resultVersion = null) =>
        new(runId, Round, BaseVersion, state, Selected, StartedAt, Deadline, closedAt, Accepted.Count, resultVersion, [.. Released]);
}
