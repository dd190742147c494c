using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Federated.Coordinator.Aggregation;

/// <summary>
/// The two loops of FedAvg over flat buffers, vectorised with <see cref="Vector512"/> (or <see cref="Vector256"/>) and
/// bit-identical to the scalar formulas: every float is widened to double, then multiplied and added as two separately
/// rounded operations, never a fused multiply-add (which rounds once and would change the last bit of the result).
/// </summary>
internal static class FedAvgKernels
{
    /// <summary><c>sum[i] += weight * (double)values[i]</c> for every i.</summary>
    /// <param name="sum">The running sums, as long as <paramref name="values"/>.</param>
    /// <param name="values">One update's values.</param>
    /// <param name="weight">The update's weight.</param>
    [SkipLocalsInit]
    public static void Accumulate(Span<double> sum, ReadOnlySpan<float> values, double weight)
    {
        if (sum.Length != values.Length)
        {
            throw new ArgumentException($"{sum.Length} sums for {values.Length} values", nameof(sum));
        }

        ref var s = ref MemoryMarshal.GetReference(sum);
        ref var v = ref MemoryMarshal.GetReference(values);
        var n = (nuint)values.Length;
        nuint i = 0;
        if (Vector512.IsHardwareAccelerated && n >= (nuint)Vector512<float>.Count)
        {
            var w = Vector512.Create(weight);
            for (; i + (nuint)Vector512<float>.Count <= n; i += (nuint)Vector512<float>.Count)
            {
                var (lower, upper) = Vector512.Widen(Vector512.LoadUnsafe(ref v, i));
                var product = w * lower;
                (Vector512.LoadUnsafe(ref s, i) + product).StoreUnsafe(ref s, i);
                product = w * upper;
                (Vector512.LoadUnsafe(ref s, i + (nuint)Vector512<double>.Count) + product).StoreUnsafe(ref s, i + (nuint)Vector512<double>.Count);
            }
        }
        else if (Vector256.IsHardwareAccelerated && n >= (nuint)Vector256<float>.Count)
        {
            var w = Vector256.Create(weight);
            for (; i + (nuint)Vector256<float>.Count <= n; i += (nuint)Vector256<float>.Count)
            {
                var (lower, upper) = Vector256.Widen(Vector256.LoadUnsafe(ref v, i));
                var product = w * lower;
                (Vector256.LoadUnsafe(ref s, i) + product).StoreUnsafe(ref s, i);
                product = w * upper;
                (Vector256.LoadUnsafe(ref s, i + (nuint)Vector256<double>.Count) + product).StoreUnsafe(ref s, i + (nuint)Vector256<double>.Count);
            }
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref s, i) += weight * Unsafe.Add(ref v, i);
        }
    }

    /// <summary><c>target[i] = (float)(target[i] + scale * sum[i])</c> for every i.</summary>
    /// <param name="target">The parameters, updated in place.</param>
    /// <param name="sum">The weighted sums, as long as <paramref name="target"/>.</param>
    /// <param name="scale">η / Σ weights.</param>
    [SkipLocalsInit]
    public static void Apply(Span<float> target, ReadOnlySpan<double> sum, double scale)
    {
        if (sum.Length != target.Length)
        {
            throw new ArgumentException($"{sum.Length} sums for {target.Length} values", nameof(sum));
        }

        ref var t = ref MemoryMarshal.GetReference(target);
        ref var s = ref MemoryMarshal.GetReference(sum);
        var n = (nuint)target.Length;
        nuint i = 0;
        if (Vector512.IsHardwareAccelerated && n >= (nuint)Vector512<float>.Count)
        {
            var c = Vector512.Create(scale);
            for (; i + (nuint)Vector512<float>.Count <= n; i += (nuint)Vector512<float>.Count)
            {
                var (lower, upper) = Vector512.Widen(Vector512.LoadUnsafe(ref t, i));
                var low = c * Vector512.LoadUnsafe(ref s, i);
                var high = c * Vector512.LoadUnsafe(ref s, i + (nuint)Vector512<double>.Count);
                Vector512.Narrow(lower + low, upper + high).StoreUnsafe(ref t, i);
            }
        }
        else if (Vector256.IsHardwareAccelerated && n >= (nuint)Vector256<float>.Count)
        {
            var c = Vector256.Create(scale);
            for (; i + (nuint)Vector256<float>.Count <= n; i += (nuint)Vector256<float>.Count)
            {
                var (lower, upper) = Vector256.Widen(Vector256.LoadUnsafe(ref t, i));
                var low = c * Vector256.LoadUnsafe(ref s, i);
                var high = c * Vector256.LoadUnsafe(ref s, i + (nuint)Vector256<double>.Count);
                Vector256.Narrow(lower + low, upper + high).StoreUnsafe(ref t, i);
            }
        }

        for (; i < n; i++)
        {
            ref var x = ref Unsafe.Add(ref t, i);
            x = (float)(x + (scale * Unsafe.Add(ref s, i)));
        }
    }
}
