namespace Federated.Model.Spec;

/// <summary>Where a field's embeddings or a task head's weights live.</summary>
public enum ParameterScope
{
    /// <summary>Federated: averaged across nodes every round.</summary>
    Shared,

    /// <summary>Private to a node: never leaves it (user embeddings, FedPer-style task heads).</summary>
    Local,
}
