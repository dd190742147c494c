using Federated.Model.Spec;

namespace Federated.Model.Parameters;

/// <summary>One named tensor of the flat parameter buffer: its shape (row-major), where it starts and where it lives.</summary>
/// <param name="Name">Unique name such as <c>expert/0/dense0/w</c> or <c>emb/item</c>.</param>
/// <param name="Rows">First dimension: rows of a weight matrix [in, out] or embedding table [rows, dim]; 1 for a vector.</param>
/// <param name="Columns">Second dimension (out, dim, or the vector's length).</param>
/// <param name="Offset">Index of the first element in the flat buffer.</param>
/// <param name="Scope">Shared tensors are federated; local tensors never leave the node.</param>
/// <param name="Kind">Weight, bias or embedding.</param>
public sealed record TensorInfo(string Name, int Rows, int Columns, int Offset, ParameterScope Scope, TensorKind Kind)
{
    /// <summary>Number of floats: <see cref="Rows"/> × <see cref="Columns"/>.</summary>
    public int Length => Rows * Columns;

    /// <summary>One past the last element in the flat buffer.</summary>
    public int End => Offset + Length;

    /// <summary>The shape as written in specs and on the wire: [rows, columns], or [columns] for a vector.</summary>
    public int[] Shape => Kind == TensorKind.Bias ? [Columns] : [Rows, Columns];
}
