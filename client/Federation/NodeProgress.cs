using Federated.Model.Metrics;

namespace Federated.Client.Federation;

/// <summary>One step of a node's run, for the console or a test.</summary>
/// <param name="Kind">What happened.</param>
/// <param name="Round">The round concerned, or null.</param>
/// <param name="ModelVersion">The global version concerned, or null.</param>
/// <param name="Message">A line for people.</param>
/// <param name="Metrics">Per-task summaries (training metrics after <see cref="NodeProgressKind.Trained"/>, validation after <see cref="NodeProgressKind.Evaluated"/>), else empty.</param>
public sealed record NodeProgress(NodeProgressKind Kind, long? Round, long? ModelVersion, string Message, IReadOnlyList<TaskMetrics> Metrics)
{
    /// <summary>A report without metrics.</summary>
    public NodeProgress(NodeProgressKind kind, long? round, long? modelVersion, string message)
        : this(kind, round, modelVersion, message, [])
    {
    }
}
