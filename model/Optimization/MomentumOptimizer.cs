using System.Diagnostics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Federated.Model.Optimization;

/// <summary>Heavy-ball momentum in the PyTorch convention (no dampening, not Nesterov).</summary>
/// <remarks>
/// Update, with velocity <c>v</c> starting at 0 and <c>g' = g + λ·p</c> on dense tensors (<c>g' = g</c> on lazy rows):
/// <code>
/// v ← μ·v + g'
/// p ← p − lr·v
/// </code>
/// <c>v</c> is a flat buffer of <see cref="Optimizer.ParameterCount"/> floats. On lazy rows, an untouched row's
/// velocity neither decays nor moves its parameters, unlike a dense update with a zero gradient.
/// </remarks>
public sealed class MomentumOptimizer : Optimizer
{
    private readonly float[] _velocity;

    internal MomentumOptimizer(OptimizerOptions options, int parameterCount)
        : base(options, parameterCount)
    {
        _velocity = new float[parameterCount];
    }

    /// <summary>The velocity <c>v</c>, indexed like the flat parameter buffer.</summary>
    internal ReadOnlySpan<float> Velocity => _velocity;

    /// <inheritdoc/>
    [SkipLocalsInit]
    public override void UpdateDense(Span<float> parameters, ReadOnlySpan<float> gradients, int offset)
    {
        ValidateDense(parameters, gradients, offset);
        Span<float> scratch = stackalloc float[ChunkLength];
        Apply(parameters, gradients, _velocity.AsSpan(offset, parameters.Length), Options.WeightDecay, scratch);
    }

    /// <inheritdoc/>
    [SkipLocalsInit]
    public override void UpdateRows(Span<float> table, int rowLength, ReadOnlySpan<int> rows, ReadOnlySpan<float> rowGradients, int offset)
    {
        var rowCount = ValidateRows(table, rowLength, rows, rowGradients, offset);
        Span<float> scratch = stackalloc float[ChunkLength];
        for (var i = 0; i < rows.Length; i++)
        {
            Debug.Assert((uint)rows[i] < (uint)rowCount);
            var start = rows[i] * rowLength;
            Apply(
                table.Slice(start, rowLength),
                rowGradients.Slice(i * rowLength, rowLength),
                _velocity.AsSpan(offset + start, rowLength),
                weightDecay: 0f,
                scratch);
        }
    }

    /// <inheritdoc/>
    public override void Reset()
    {
        Array.Clear(_velocity);
        ResetStep();
    }

    private void Apply(Span<float> parameters, ReadOnlySpan<float> gradients, Span<float> velocity, float weightDecay, Span<float> scratch)
    {
        Debug.Assert(parameters.Length == gradients.Length && parameters.Length == velocity.Length);
        var momentum = Options.Momentum;
        var negativeRate = -Options.LearningRate;
        for (var start = 0; start < parameters.Length; start += ChunkLength)
        {
            var length = Math.Min(ChunkLength, parameters.Length - start);
            var p = parameters.Slice(start, length);
            var v = velocity.Slice(start, length);
            var g = gradients.Slice(start, length);
            if (weightDecay != 0f)
            {
                var decayed = scratch[..length];
                TensorPrimitives.MultiplyAdd(p, weightDecay, g, decayed);
                g = decayed;
            }

            TensorPrimitives.MultiplyAdd(v, momentum, g, v);
            TensorPrimitives.MultiplyAdd(v, negativeRate, p, p);
        }
    }
}
