using Federated.Model.Spec;

namespace Federated.Model.Parameters;

/// <summary>
/// One named tensor of the flat parameter buffer: its shape (row-major), where it starts, where it lives and which
/// part of the network it belongs to.
/// </summary>
/// <param name="Name">Unique name such as <c>expert/0/dense0/w</c> or <c>emb/item</c>.</param>
/// <param name="Rows">First dimension: rows of a weight matrix [in, out] or embedding table [rows, dim]; 1 for a vector.</param>
/// <param name="Columns">Second dimension (out, dim, or the vector's length).</param>
/// <param name="Offset">Index of the first element in the flat buffer.</param>
/// <param name="Scope">Shared tensors are federated; local tensors never leave the node.</param>
/// <param name="Kind">Weight, bias or embedding.</param>
/// <param name="Role">The part of the network: embedding, trunk, expert, gate, tower or loss weight. Default trunk.</param>
/// <param name="Task">
/// The task whose labels alone move this tensor (its tower, MMoE gate, PLE task experts and gates, loss weight), or
/// null for a tensor every example moves (shared-bottom trunk, MMoE experts, PLE shared experts and gates, embeddings).
/// </param>
/// <param name="Field">For an embedding table, the name of its field; otherwise null.</param>
public sealed record TensorInfo(
    string Name,
    int Rows,
    int Columns,
    int Offset,
    ParameterScope Scope,
    TensorKind Kind,
    TensorRole Role = TensorRole.Trunk,
    string? Task = null,
    string? Field = null)
{
    /// <summary>Number of floats: <see cref="Rows"/> × <see cref="Columns"/>.</summary>
    public int Length => Rows * Columns;

    /// <summary>One past the last element in the flat buffer.</summary>
    public int End => Offset + Length;

    /// <summary>The shape as written in specs and on the wire: [rows, columns], or [columns] for a vector.</summary>
    public int[] Shape => Kind == TensorKind.Bias ? [Columns] : [Rows, Columns];
}
