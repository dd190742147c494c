namespace Federated.Model.Spec;

/// <summary>
/// An explicit factorisation interaction between two fields' pooled embeddings (e.g. user and item), so that biased
/// matrix factorisation (<see cref="InteractionKind.Dot"/> with per-row biases, <see cref="FieldSpec.BiasTasks"/>) and
/// NeuMF-like models (<see cref="InteractionKind.Product"/>) are expressible in a spec beside the trunk.
/// </summary>
/// <remarks>
/// The two fields must be different and have the same <see cref="FieldSpec.Dim"/>. For a multi-valued field the pooled
/// (mean) embedding takes part. The interaction has no parameters of its own; its gradients flow into the two fields'
/// embedding rows.
/// </remarks>
public sealed record InteractionSpec
{
    /// <summary>Dot (added to task outputs) or product (appended to the trunk's input). Default dot.</summary>
    public InteractionKind Kind { get; init; } = InteractionKind.Dot;

    /// <summary>Exactly two field names, e.g. <c>["user", "item"]</c>.</summary>
    public IReadOnlyList<string> Fields { get; init; } = [];

    /// <summary>
    /// For <see cref="InteractionKind.Dot"/>: the tasks whose output gets ⟨e_a, e_b⟩ added, at least one. Must be empty
    /// (or absent) for <see cref="InteractionKind.Product"/>, which feeds every task through the trunk.
    /// </summary>
    public IReadOnlyList<string> Tasks { get; init; } = [];
}
