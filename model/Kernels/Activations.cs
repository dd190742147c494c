using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Federated.Model.Kernels;

/// <summary>Elementwise activation kernels and their derivatives over flat row-major buffers.</summary>
public static class Activations
{
    /// <summary>y = max(y, 0) in place.</summary>
    public static void Relu(Span<float> y) => TensorPrimitives.Max(y, 0f, y);

    /// <summary>dy[i] = 0 wherever y[i] ≤ 0 (y is the ReLU's output), in place.</summary>
    [SkipLocalsInit]
    public static void ReluBackward(ReadOnlySpan<float> y, Span<float> dy)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(y.Length, dy.Length, nameof(y));
        ref var yRef = ref MemoryMarshal.GetReference(y);
        ref var dRef = ref MemoryMarshal.GetReference(dy);
        var i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i <= dy.Length - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                var keep = Vector512.GreaterThan(Vector512.LoadUnsafe(ref yRef, (nuint)i), Vector512<float>.Zero);
                (Vector512.LoadUnsafe(ref dRef, (nuint)i) & keep).StoreUnsafe(ref dRef, (nuint)i);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= dy.Length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                var keep = Vector256.GreaterThan(Vector256.LoadUnsafe(ref yRef, (nuint)i), Vector256<float>.Zero);
                (Vector256.LoadUnsafe(ref dRef, (nuint)i) & keep).StoreUnsafe(ref dRef, (nuint)i);
            }
        }

        for (; i < dy.Length; i++)
        {
            if (Unsafe.Add(ref yRef, i) <= 0f)
            {
                Unsafe.Add(ref dRef, i) = 0f;
            }
        }
    }

    /// <summary>Softmax of each row of a [rows, width] buffer, in place, numerically stable (max subtracted).</summary>
    public static void SoftmaxRows(Span<float> values, int rows, int width)
    {
        for (var r = 0; r < rows; r++)
        {
            var row = values.Slice(r * width, width);
            var max = TensorPrimitives.Max(row);
            TensorPrimitives.Subtract(row, max, row);
            TensorPrimitives.Exp(row, row);
            TensorPrimitives.Divide(row, TensorPrimitives.Sum(row), row);
        }
    }

    /// <summary>
    /// Backward of a row softmax: given the outputs g and dL/dg, writes dL/dlogits into <paramref name="gradient"/> in place:
    /// dz_k = g_k · (dg_k − Σ_j g_j dg_j).
    /// </summary>
    public static void SoftmaxRowsBackward(ReadOnlySpan<float> outputs, Span<float> gradient, int rows, int width)
    {
        for (var r = 0; r < rows; r++)
        {
            var g = outputs.Slice(r * width, width);
            var d = gradient.Slice(r * width, width);
            var dot = TensorPrimitives.Dot(g, d);
            TensorPrimitives.Subtract(d, dot, d);
            TensorPrimitives.Multiply(d, g, d);
        }
    }

    /// <summary>Adds each row of a [rows, width] buffer into <paramref name="sums"/> (the column sums, as for a bias gradient).</summary>
    public static void AddColumnSums(ReadOnlySpan<float> values, int rows, int width, Span<float> sums)
    {
        for (var r = 0; r < rows; r++)
        {
            TensorPrimitives.Add(sums, values.Slice(r * width, width), sums);
        }
    }

    /// <summary>Writes <paramref name="row"/> into each of the <paramref name="rows"/> rows of a [rows, width] buffer.</summary>
    public static void BroadcastRows(ReadOnlySpan<float> row, Span<float> target, int rows)
    {
        for (var r = 0; r < rows; r++)
        {
            row.CopyTo(target.Slice(r * row.Length, row.Length));
        }
    }
}
