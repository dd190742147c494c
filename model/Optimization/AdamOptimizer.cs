using System.Diagnostics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Federated.Model.Optimization;

/// <summary>Adam with PyTorch's bias correction; lazy on embedding rows like PyTorch's <c>SparseAdam</c>.</summary>
/// <remarks>
/// <para>
/// Update at step <c>t</c> (= <see cref="Optimizer.Step"/>), with moments <c>m</c>, <c>v</c> starting at 0 and
/// <c>g' = g + λ·p</c> on dense tensors (<c>g' = g</c> on lazy rows):
/// <code>
/// m ← β1·m + (1 − β1)·g'
/// v ← β2·v + (1 − β2)·g'²
/// p ← p − (lr / (1 − β1ᵗ)) · m / (√v / √(1 − β2ᵗ) + ε)
/// </code>
/// which is <c>p ← p − lr·m̂ / (√v̂ + ε)</c> evaluated in PyTorch's order of operations.
/// </para>
/// <para>
/// On lazy rows an untouched row's moments do not decay, and a touched row is corrected with the global step
/// <c>t</c>, not with the number of times that row was touched (as <c>SparseAdam</c> does). Reference: Kingma and
/// Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015.
/// </para>
/// </remarks>
public sealed class AdamOptimizer : Optimizer
{
    private readonly float[] _firstMoments;
    private readonly float[] _secondMoments;

    internal AdamOptimizer(OptimizerOptions options, int parameterCount)
        : base(options, parameterCount)
    {
        _firstMoments = new float[parameterCount];
        _secondMoments = new float[parameterCount];
    }

    /// <summary>The first-moment average <c>m</c>, indexed like the flat parameter buffer.</summary>
    internal ReadOnlySpan<float> FirstMoments => _firstMoments;

    /// <summary>The second-moment average <c>v</c>, indexed like the flat parameter buffer.</summary>
    internal ReadOnlySpan<float> SecondMoments => _secondMoments;

    /// <inheritdoc/>
    [SkipLocalsInit]
    public override void UpdateDense(Span<float> parameters, ReadOnlySpan<float> gradients, int offset)
    {
        ValidateDense(parameters, gradients, offset);
        var step = StepScalars();
        Span<float> scratch = stackalloc float[2 * ChunkLength];
        Apply(
            parameters,
            gradients,
            _firstMoments.AsSpan(offset, parameters.Length),
            _secondMoments.AsSpan(offset, parameters.Length),
            Options.WeightDecay,
            step,
            scratch);
    }

    /// <inheritdoc/>
    [SkipLocalsInit]
    public override void UpdateRows(Span<float> table, int rowLength, ReadOnlySpan<int> rows, ReadOnlySpan<float> rowGradients, int offset)
    {
        var rowCount = ValidateRows(table, rowLength, rows, rowGradients, offset);
        var step = StepScalars();
        Span<float> scratch = stackalloc float[2 * ChunkLength];
        for (var i = 0; i < rows.Length; i++)
        {
            Debug.Assert((uint)rows[i] < (uint)rowCount);
            var start = rows[i] * rowLength;
            Apply(
                table.Slice(start, rowLength),
                rowGradients.Slice(i * rowLength, rowLength),
                _firstMoments.AsSpan(offset + start, rowLength),
                _secondMoments.AsSpan(offset + start, rowLength),
                weightDecay: 0f,
                step,
                scratch);
        }
    }

    /// <inheritdoc/>
    public override void Reset()
    {
        Array.Clear(_firstMoments);
        Array.Clear(_secondMoments);
        ResetStep();
    }

    /// <summary>The step's bias-corrected scalars, computed in double as PyTorch computes them in Python floats.</summary>
    private (float StepSize, float SqrtCorrection2) StepScalars()
    {
        var correction1 = 1.0 - Math.Pow(Options.Beta1, Step);
        var correction2 = 1.0 - Math.Pow(Options.Beta2, Step);
        return ((float)(Options.LearningRate / correction1), (float)Math.Sqrt(correction2));
    }

    private void Apply(
        Span<float> parameters,
        ReadOnlySpan<float> gradients,
        Span<float> firstMoments,
        Span<float> secondMoments,
        float weightDecay,
        (float StepSize, float SqrtCorrection2) step,
        Span<float> scratch)
    {
        Debug.Assert(parameters.Length == gradients.Length);
        Debug.Assert(parameters.Length == firstMoments.Length && parameters.Length == secondMoments.Length);
        Debug.Assert(scratch.Length >= 2 * ChunkLength);
        var beta1 = Options.Beta1;
        var beta2 = Options.Beta2;
        var epsilon = Options.Epsilon;
        if (weightDecay == 0f && Vector512.IsHardwareAccelerated)
        {
            // One fused pass per element (the chunked TensorPrimitives sequence below makes ten passes, which dominates
            // lazy row updates of short rows). Same operations in the same order, each rounded separately, so both
            // paths give identical results.
            ApplyFused(parameters, gradients, firstMoments, secondMoments, beta1, beta2, epsilon, step);
            return;
        }

        for (var start = 0; start < parameters.Length; start += ChunkLength)
        {
            var length = Math.Min(ChunkLength, parameters.Length - start);
            var p = parameters.Slice(start, length);
            var m = firstMoments.Slice(start, length);
            var v = secondMoments.Slice(start, length);
            var g = gradients.Slice(start, length);
            var work = scratch.Slice(ChunkLength, length);
            if (weightDecay != 0f)
            {
                var decayed = scratch[..length];
                TensorPrimitives.MultiplyAdd(p, weightDecay, g, decayed);
                g = decayed;
            }

            TensorPrimitives.Multiply(m, beta1, m);
            TensorPrimitives.MultiplyAdd(g, 1f - beta1, m, m);
            TensorPrimitives.Multiply(g, g, work);
            TensorPrimitives.Multiply(v, beta2, v);
            TensorPrimitives.MultiplyAdd(work, 1f - beta2, v, v);

            // denominator = √v / √(1 − β2ᵗ) + ε, then p ← p − stepSize · m / denominator.
            TensorPrimitives.Sqrt(v, work);
            TensorPrimitives.Divide(work, step.SqrtCorrection2, work);
            TensorPrimitives.Add(work, epsilon, work);
            TensorPrimitives.Divide(m, work, work);
            TensorPrimitives.MultiplyAdd(work, -step.StepSize, p, p);
        }
    }

    private static void ApplyFused(
        Span<float> parameters,
        ReadOnlySpan<float> gradients,
        Span<float> firstMoments,
        Span<float> secondMoments,
        float beta1,
        float beta2,
        float epsilon,
        (float StepSize, float SqrtCorrection2) step)
    {
        ref var p = ref MemoryMarshal.GetReference(parameters);
        ref var g = ref MemoryMarshal.GetReference(gradients);
        ref var m = ref MemoryMarshal.GetReference(firstMoments);
        ref var v = ref MemoryMarshal.GetReference(secondMoments);
        var b1 = Vector512.Create(beta1);
        var c1 = Vector512.Create(1f - beta1);
        var b2 = Vector512.Create(beta2);
        var c2 = Vector512.Create(1f - beta2);
        var correction = Vector512.Create(step.SqrtCorrection2);
        var eps = Vector512.Create(epsilon);
        var size = Vector512.Create(-step.StepSize);
        var i = 0;
        for (; i <= parameters.Length - Vector512<float>.Count; i += Vector512<float>.Count)
        {
            var offset = (nuint)i;
            var gi = Vector512.LoadUnsafe(ref g, offset);
            var mi = (gi * c1) + (Vector512.LoadUnsafe(ref m, offset) * b1);
            var vi = ((gi * gi) * c2) + (Vector512.LoadUnsafe(ref v, offset) * b2);
            mi.StoreUnsafe(ref m, offset);
            vi.StoreUnsafe(ref v, offset);
            var denominator = (Vector512.Sqrt(vi) / correction) + eps;
            ((mi / denominator * size) + Vector512.LoadUnsafe(ref p, offset)).StoreUnsafe(ref p, offset);
        }

        for (; i < parameters.Length; i++)
        {
            var gi = Unsafe.Add(ref g, i);
            var mi = (gi * (1f - beta1)) + (Unsafe.Add(ref m, i) * beta1);
            var vi = (gi * gi * (1f - beta2)) + (Unsafe.Add(ref v, i) * beta2);
            Unsafe.Add(ref m, i) = mi;
            Unsafe.Add(ref v, i) = vi;
            var denominator = (MathF.Sqrt(vi) / step.SqrtCorrection2) + epsilon;
            Unsafe.Add(ref p, i) = (mi / denominator * -step.StepSize) + Unsafe.Add(ref p, i);
        }
    }
}
