using Federated.Model.Metrics;

namespace Federated.Coordinator.Rounds;

/// <summary>What <see cref="UpdateValidator"/> concluded: a recognised retry, or a new update ready to count.</summary>
internal sealed class ValidatedUpdate
{
    private ValidatedUpdate(SubmitOutcome? duplicate, NodeUpdate? update, SortedDictionary<string, TaskMetrics>? trainingMetrics)
    {
        DuplicateOutcome = duplicate;
        Update = update;
        TrainingMetrics = trainingMetrics;
    }

    /// <summary>Set for a retry of an update already counted: answer this, change nothing.</summary>
    public SubmitOutcome? DuplicateOutcome { get; }

    /// <summary>The new update (null for a duplicate).</summary>
    public NodeUpdate? Update { get; }

    /// <summary>The round's training metrics with this update's merged in, as new objects (null for a duplicate).</summary>
    public SortedDictionary<string, TaskMetrics>? TrainingMetrics { get; }

    public static ValidatedUpdate Duplicate(SubmitOutcome outcome) => new(outcome, null, null);

    public static ValidatedUpdate New(NodeUpdate update, SortedDictionary<string, TaskMetrics> trainingMetrics) => new(null, update, trainingMetrics);
}
