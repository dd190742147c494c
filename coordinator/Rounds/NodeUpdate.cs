using Federated.Model.Metrics;
using Federated.Model.Updates;

namespace Federated.Coordinator.Rounds;

/// <summary>A node's update for a round, as the engine sees it (the gRPC adapter assembles it from chunks).</summary>
public sealed record NodeUpdate
{
    /// <summary>The run.</summary>
    public required string RunId { get; init; }

    /// <summary>The round.</summary>
    public required long Round { get; init; }

    /// <summary>The version the node trained from.</summary>
    public required long BaseVersion { get; init; }

    /// <summary>The sending node.</summary>
    public required string NodeId { get; init; }

    /// <summary>Chosen by the node and reused on retry, so a retried upload is recognised.</summary>
    public required string UploadId { get; init; }

    /// <summary>Training examples, &gt; 0.</summary>
    public required long Examples { get; init; }

    /// <summary>Labelled training examples per task (tasks absent: none).</summary>
    public IReadOnlyDictionary<string, long> TaskExamples { get; init; } = new Dictionary<string, long>(StringComparer.Ordinal);

    /// <summary>Training metrics per task.</summary>
    public IReadOnlyList<TaskMetrics> TrainingMetrics { get; init; } = [];

    /// <summary>Δ of the shared tensors.</summary>
    public required ModelDelta Delta { get; init; }
}
