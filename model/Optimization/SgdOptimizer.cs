using System.Diagnostics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Federated.Model.Optimization;

/// <summary>Plain stochastic gradient descent; keeps no state besides <see cref="Optimizer.Step"/>.</summary>
/// <remarks>
/// Update: <c>p ← p − lr·(g + λ·p)</c> on dense tensors, <c>p ← p − lr·g</c> on lazy rows
/// (<c>lr</c> = <see cref="OptimizerOptions.LearningRate"/>, <c>λ</c> = <see cref="OptimizerOptions.WeightDecay"/>).
/// Being stateless, a lazy row update equals the dense update restricted to those rows when λ = 0.
/// </remarks>
public sealed class SgdOptimizer : Optimizer
{
    internal SgdOptimizer(OptimizerOptions options, int parameterCount)
        : base(options, parameterCount)
    {
    }

    /// <inheritdoc/>
    [SkipLocalsInit]
    public override void UpdateDense(Span<float> parameters, ReadOnlySpan<float> gradients, int offset)
    {
        ValidateDense(parameters, gradients, offset);
        var negativeRate = -Options.LearningRate;
        var weightDecay = Options.WeightDecay;
        if (weightDecay == 0f)
        {
            TensorPrimitives.MultiplyAdd(gradients, negativeRate, parameters, parameters);
            return;
        }

        Span<float> decayed = stackalloc float[ChunkLength];
        for (var start = 0; start < parameters.Length; start += ChunkLength)
        {
            var length = Math.Min(ChunkLength, parameters.Length - start);
            var p = parameters.Slice(start, length);
            var g = decayed[..length];
            TensorPrimitives.MultiplyAdd(p, weightDecay, gradients.Slice(start, length), g);
            TensorPrimitives.MultiplyAdd(g, negativeRate, p, p);
        }
    }

    /// <inheritdoc/>
    public override void UpdateRows(Span<float> table, int rowLength, ReadOnlySpan<int> rows, ReadOnlySpan<float> rowGradients, int offset)
    {
        var rowCount = ValidateRows(table, rowLength, rows, rowGradients, offset);
        var negativeRate = -Options.LearningRate;
        for (var i = 0; i < rows.Length; i++)
        {
            Debug.Assert((uint)rows[i] < (uint)rowCount);
            var p = table.Slice(rows[i] * rowLength, rowLength);
            TensorPrimitives.MultiplyAdd(rowGradients.Slice(i * rowLength, rowLength), negativeRate, p, p);
        }
    }

    /// <inheritdoc/>
    public override void Reset() => ResetStep();
}
