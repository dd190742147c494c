using Federated.Coordinator.Aggregation;
using Federated.Model.Metrics;

namespace Federated.Coordinator.Rounds;

/// <summary>The open round of a run: who was selected, what arrived, and the running aggregate.</summary>
internal sealed class RoundSession
{
    public RoundSession(long round, long baseVersion, IReadOnlyList<string> selected, DateTimeOffset startedAt, DateTimeOffset deadline, IRoundAggregator aggregator)
    {
        Round = round;
        BaseVersion = baseVersion;
        Selected = selected;
        SelectedSet = new HashSet<string>(selected, StringComparer.Ordinal);
        StartedAt = startedAt;
        Deadline = deadline;
        Aggregator = aggregator;
    }

    public long Round { get; }

    public long BaseVersion { get; }

    public IReadOnlyList<string> Selected { get; }

    public HashSet<string> SelectedSet { get; }

    public DateTimeOffset StartedAt { get; }

    public DateTimeOffset Deadline { get; set; }

    public IRoundAggregator Aggregator { get; }

    /// <summary>Accepted upload id per node.</summary>
    public Dictionary<string, string> Accepted { get; } = new(StringComparer.Ordinal);

    /// <summary>Merged training metrics per task.</summary>
    public SortedDictionary<string, TaskMetrics> TrainingMetrics { get; } = new(StringComparer.Ordinal);

    public StoredRound ToStored(string runId, RoundState state, DateTimeOffset? closedAt = null, long? resultVersion = null) =>
        new(runId, Round, BaseVersion, state, Selected, StartedAt, Deadline, closedAt, Accepted.Count, resultVersion);
}
