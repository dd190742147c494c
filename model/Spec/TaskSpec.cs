namespace Federated.Model.Spec;

/// <summary>A prediction task: its kind, loss weight, tower and where its head lives.</summary>
public sealed record TaskSpec
{
    /// <summary>Unique name; tensors are called <c>tower/{Name}/...</c>.</summary>
    public string Name { get; init; } = "";

    /// <summary>Binary (sigmoid, log-loss) or regression (identity, squared error).</summary>
    public TaskKind Kind { get; init; } = TaskKind.Binary;

    /// <summary>Weight w_t of the task's mean loss in the total loss; finite and non-negative. Default 1.</summary>
    public float Weight { get; init; } = 1f;

    /// <summary>Hidden widths of the tower (dense + ReLU each), followed by a dense output of width 1. At least one layer.</summary>
    public IReadOnlyList<int> Tower { get; init; } = [];

    /// <summary>Local (default, FedPer-style: the head stays on the node) or shared (federated).</summary>
    public ParameterScope Scope { get; init; } = ParameterScope.Local;
}
