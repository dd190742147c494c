using Federated.Model.Metrics;

namespace Federated.Coordinator.Rounds;

/// <summary>
/// What a node's update says about itself, without its tensors: the run, round and version it answers, who sent it, and
/// its counts and training metrics. The gRPC adapter reads it from an upload's first message, before any tensor arrives,
/// and asks <see cref="RoundEngine.AdmitUpload"/> whether the tensors may follow.
/// </summary>
public record NodeUpdateHeader
{
    /// <summary>The run.</summary>
    public required string RunId { get; init; }

    /// <summary>The round.</summary>
    public required long Round { get; init; }

    /// <summary>The version the node trained from.</summary>
    public required long BaseVersion { get; init; }

    /// <summary>The sending node.</summary>
    public required string NodeId { get; init; }

    /// <summary>Chosen by the node and reused on retry, so a retried upload is recognised; 1–128 characters.</summary>
    public required string UploadId { get; init; }

    /// <summary>Training examples, &gt; 0.</summary>
    public required long Examples { get; init; }

    /// <summary>
    /// Labelled training examples per task, each in 0–<see cref="Examples"/>. Every task that has shared tensors in the
    /// run's model needs an entry (0: the node has no labels for it, so its shared head's deltas weigh 0); other tasks
    /// may be omitted.
    /// </summary>
    public IReadOnlyDictionary<string, long> TaskExamples { get; init; } = new Dictionary<string, long>(StringComparer.Ordinal);

    /// <summary>Training metrics per task.</summary>
    public IReadOnlyList<TaskMetrics> TrainingMetrics { get; init; } = [];
}
