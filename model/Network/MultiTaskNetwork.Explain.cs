using Federated.Model.Training;

namespace Federated.Model.Network;

/// <summary>The internals an explanation reads: raw task outputs, gate weights, gradient × input per field.</summary>
internal sealed partial class MultiTaskNetwork
{
    /// <summary>The gated trunk, or null for shared-bottom (which has no gates).</summary>
    public ExpertTrunk? GatedTrunk => _trunk as ExpertTrunk;

    /// <summary>Width of an attribution row: the number of fields.</summary>
    public int FieldCount => _input.FieldCount;

    /// <summary>After <see cref="Forward"/>: task t's raw outputs [n] (logit for binary tasks, value for regression).</summary>
    public ReadOnlySpan<float> RawOutput(int task, int n) => _towers[task].Output(n);

    /// <summary>
    /// After <see cref="Forward"/> (without dropout): backpropagates ∂o_t/∂o_t = 1 from task <paramref name="task"/>'s raw
    /// output alone and writes its per-field gradient × input [n, FieldCount] into <paramref name="attributions"/>.
    /// </summary>
    /// <remarks>
    /// Reuses the training backward pass, so the attribution follows exactly the gradients training uses; the weight and
    /// row gradients it accumulates on the way are thrown away. The examples are independent, so one backward pass
    /// serves all n rows.
    /// </remarks>
    public void AttributeFields(ReadOnlySpan<float> parameters, Batch batch, int start, int n, int task, Span<float> attributions)
    {
        for (var t = 0; t < _dLogits.Length; t++)
        {
            _dLogits[t].AsSpan(0, n).Clear();
        }

        _dLogits[task].AsSpan(0, n).Fill(1f);
        Backward(parameters, batch, start, n);
        Array.Clear(DenseGradients);
        foreach (var rows in RowGradients)
        {
            rows.Clear();
        }

        _input.FieldAttributions(parameters, batch, start, n, _x.AsSpan(0, n * _input.Width), _dx.AsSpan(0, n * _input.Width), task, attributions);
    }
}
