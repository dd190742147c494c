using Federated.Model.Kernels;
using Federated.Model.Parameters;

namespace Federated.Model.Network;

/// <summary>
/// y = x·W + b for a batch: x [n, In], W [In, Out] and b [Out] read from the flat parameter buffer, y [n, Out].
/// Stateless: buffers belong to the caller.
/// </summary>
internal sealed class DenseLayer
{
    public DenseLayer(ParameterLayout layout, string prefix)
    {
        Weight = layout[TensorNames.Weight(prefix)];
        Bias = layout[TensorNames.Bias(prefix)];
    }

    public TensorInfo Weight { get; }

    public TensorInfo Bias { get; }

    public int In => Weight.Rows;

    public int Out => Weight.Columns;

    public void Forward(ReadOnlySpan<float> parameters, ReadOnlySpan<float> x, Span<float> y, int n)
    {
        var output = y[..(n * Out)];
        Activations.BroadcastRows(parameters.Slice(Bias.Offset, Out), output, n);
        Gemm.Multiply(x[..(n * In)], parameters.Slice(Weight.Offset, Weight.Length), output, n, In, Out, accumulate: true);
    }

    /// <summary>
    /// Adds dW = xᵀ·dy and db = Σ_rows dy into <paramref name="gradients"/> (indexed like the parameters), and writes
    /// (or adds, with <paramref name="accumulateDx"/>) dx = dy·Wᵀ unless <paramref name="dx"/> is empty.
    /// </summary>
    public void Backward(ReadOnlySpan<float> parameters, Span<float> gradients, ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx, bool accumulateDx, int n)
    {
        var dyRows = dy[..(n * Out)];
        Gemm.Multiply(x[..(n * In)], dyRows, gradients.Slice(Weight.Offset, Weight.Length), In, n, Out, transposeA: true, accumulate: true);
        Activations.AddColumnSums(dyRows, n, Out, gradients.Slice(Bias.Offset, Out));
        if (!dx.IsEmpty)
        {
            Gemm.Multiply(dyRows, parameters.Slice(Weight.Offset, Weight.Length), dx[..(n * In)], n, Out, In, transposeB: true, accumulate: accumulateDx);
        }
    }
}
