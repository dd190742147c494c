using System.Numerics.Tensors;
using Federated.Model.Training;

namespace Federated.Model.Network;

/// <summary>Gradient × input per field, for explanations (never called while training).</summary>
internal sealed partial class EmbeddingInput
{
    /// <summary>Number of fields, the width of an attribution row.</summary>
    public int FieldCount => _fields.Length;

    /// <summary>
    /// Writes attributions [n, FieldCount] of one task's output o: for field f of example i, Σ_d x[i, f, d]·∂o/∂x[i, f, d]
    /// over the field's pooled embedding columns, plus the field's (pooled) row bias of the task when it has one.
    /// </summary>
    /// <remarks>
    /// That is do/dα at α = 1 when every row the field looks up for the example is multiplied by α: the pooled embedding
    /// and the row bias are both linear in the rows, so the chain rule gives exactly these two terms (the bias enters o
    /// with coefficient 1). <paramref name="dx"/> must already hold the interaction's gradients folded into the two
    /// fields' columns, as <see cref="Scatter"/> leaves it.
    /// </remarks>
    public void FieldAttributions(ReadOnlySpan<float> parameters, Batch batch, int start, int n, ReadOnlySpan<float> x, ReadOnlySpan<float> dx, int task, Span<float> attributions)
    {
        var fields = _fields.Length;
        for (var i = 0; i < n; i++)
        {
            var xi = x.Slice(i * Width, Width);
            var dxi = dx.Slice(i * Width, Width);
            for (var f = 0; f < fields; f++)
            {
                var dim = _fields[f].Dim;
                attributions[(i * fields) + f] = TensorPrimitives.Dot(xi.Slice(_columns[f], dim), dxi.Slice(_columns[f], dim));
            }
        }

        foreach (var (f, column) in _biasesOfTask[task])
        {
            AddPooledBias(parameters, batch, start, n, f, column, attributions, fields, f);
        }
    }
}
