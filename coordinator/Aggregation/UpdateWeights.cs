namespace Federated.Coordinator.Aggregation;

/// <summary>How much an update counts: its training examples overall and its labelled examples per task.</summary>
/// <param name="Examples">Training examples, &gt; 0; weighs the shared trunk and embeddings.</param>
/// <param name="TaskExamples">Labelled examples per task name; weighs a shared task head (0 or absent: the node has no labels for it).</param>
public sealed record UpdateWeights(long Examples, IReadOnlyDictionary<string, long> TaskExamples)
{
    /// <summary>The weight of a tensor that belongs to <paramref name="task"/>, or of the trunk when it is null.</summary>
    public long For(string? task) => task is null ? Examples : TaskExamples.TryGetValue(task, out var count) ? count : 0;
}
