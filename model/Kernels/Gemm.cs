using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace Federated.Model.Kernels;

/// <summary>
/// Single-precision general matrix multiply over flat row-major buffers:
/// <c>C = (accumulate ? C : 0) + op(A) · op(B)</c>.
/// </summary>
/// <remarks>
/// <para>
/// Runs a register-blocked FMA kernel on the widest hardware-accelerated vector width (512, 256 or
/// 128 bits), falling back to scalar loops. Tiles of up to 6 rows × 4 vectors of C stay in registers;
/// op(A) is broadcast straight from its storage in either orientation, B panels are read in place when
/// row-contiguous and otherwise packed into scratch rented from <see cref="System.Buffers.ArrayPool{T}.Shared"/>,
/// so a call allocates nothing in steady state.
/// </para>
/// <para>
/// Each element of C is one in-order sum over the shared index (in blocks of 128 when k is larger),
/// so results are reproducible run to run on the same machine and independent of how
/// <see cref="MultiplyParallel(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int, int, int, int, bool, bool, bool)"/> splits the work; they differ between vector widths only by float
/// rounding.
/// </para>
/// </remarks>
public static class Gemm
{
    // Parallel work is split along M in whole tiles and along N in whole 64-column panels (a multiple of
    // every path's panel width), so a worker's block tiles exactly as the serial call would.
    private const int ParallelColumnUnit = 64;

    // Blocks per worker. With more blocks than workers, a pool thread that starts late (or is descheduled
    // on a busy machine) leaves its blocks to the calling thread instead of stalling the whole product.
    private const int BlocksPerWorker = 2;

    /// <summary>Gets the path <see cref="Multiply(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int, int, int, bool, bool, bool)"/> runs on this machine.</summary>
    internal static GemmPath SelectedPath { get; } = SelectPath();

    /// <summary>
    /// C[m,n] = (accumulate ? C : 0) + op(A)[m,k] · op(B)[k,n], all row-major and contiguous.
    /// </summary>
    /// <param name="a">
    /// A stored [m, k] (op(A) = A), or [k, m] when <paramref name="transposeA"/> (op(A) = Aᵀ); at least
    /// m·k floats, only the first m·k are read.
    /// </param>
    /// <param name="b">
    /// B stored [k, n] (op(B) = B), or [n, k] when <paramref name="transposeB"/> (op(B) = Bᵀ); at least
    /// k·n floats, only the first k·n are read.
    /// </param>
    /// <param name="c">C stored [m, n]; at least m·n floats, only the first m·n are written. Must not overlap <paramref name="a"/> or <paramref name="b"/>.</param>
    /// <param name="m">Rows of op(A) and C, ≥ 0.</param>
    /// <param name="k">Columns of op(A) and rows of op(B), ≥ 0; with k = 0, C is cleared (or left unchanged when accumulating).</param>
    /// <param name="n">Columns of op(B) and C, ≥ 0.</param>
    /// <param name="transposeA">Whether <paramref name="a"/> holds A as [k, m].</param>
    /// <param name="transposeB">Whether <paramref name="b"/> holds B as [n, k].</param>
    /// <param name="accumulate">Add the product to C instead of overwriting it.</param>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is negative.</exception>
    /// <exception cref="ArgumentException">A span is shorter than its shape, or <paramref name="c"/> overlaps an input.</exception>
    public static void Multiply(
        ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n, bool transposeA = false, bool transposeB = false, bool accumulate = false) =>
        Multiply(a, b, c, m, k, n, transposeA, transposeB, accumulate, GemmPath.Auto);

    /// <summary>
    /// The same product as <see cref="Multiply(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int, int, int, bool, bool, bool)"/>, split into contiguous blocks of rows of C (or of
    /// columns when C has too few rows) computed by up to <paramref name="threads"/> workers, the
    /// calling thread included; there are twice as many blocks as workers, so a worker that starts late
    /// costs at most its share rather than stalling the call. Each block re-packs the B panels it needs. Every element is computed by exactly one worker in the same order as
    /// the serial call, so the result is bit-for-bit that of <see cref="Multiply(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int, int, int, bool, bool, bool)"/>.
    /// </summary>
    /// <param name="a">See <see cref="Multiply(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int, int, int, bool, bool, bool)"/>.</param>
    /// <param name="b">See <see cref="Multiply(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int, int, int, bool, bool, bool)"/>.</param>
    /// <param name="c">See <see cref="Multiply(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int, int, int, bool, bool, bool)"/>.</param>
    /// <param name="m">See <see cref="Multiply(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int, int, int, bool, bool, bool)"/>.</param>
    /// <param name="k">See <see cref="Multiply(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int, int, int, bool, bool, bool)"/>.</param>
    /// <param name="n">See <see cref="Multiply(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int, int, int, bool, bool, bool)"/>.</param>
    /// <param name="threads">Largest number of workers, ≥ 1; 1 runs serially on the calling thread.</param>
    /// <param name="transposeA">See <see cref="Multiply(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int, int, int, bool, bool, bool)"/>.</param>
    /// <param name="transposeB">See <see cref="Multiply(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int, int, int, bool, bool, bool)"/>.</param>
    /// <param name="accumulate">See <see cref="Multiply(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int, int, int, bool, bool, bool)"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is negative or <paramref name="threads"/> is below 1.</exception>
    /// <exception cref="ArgumentException">A span is shorter than its shape, or <paramref name="c"/> overlaps an input.</exception>
    public static void MultiplyParallel(
        ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n, int threads, bool transposeA = false, bool transposeB = false, bool accumulate = false) =>
        MultiplyParallel(a, b, c, m, k, n, threads, transposeA, transposeB, accumulate, GemmPath.Auto);

    /// <summary><see cref="Multiply(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int, int, int, bool, bool, bool)"/> on a forced <paramref name="path"/>, so tests can cover every path on one machine.</summary>
    internal static void Multiply(
        ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n, bool transposeA, bool transposeB, bool accumulate, GemmPath path)
    {
        Validate(a, b, c, m, k, n);
        MultiplyCore(
            ref MemoryMarshal.GetReference(a),
            transposeA ? 1 : k,
            transposeA ? m : 1,
            ref MemoryMarshal.GetReference(b),
            transposeB ? k : n,
            transposeB,
            ref MemoryMarshal.GetReference(c),
            n,
            m,
            k,
            n,
            accumulate,
            Resolve(path));
    }

    /// <summary><see cref="MultiplyParallel(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int, int, int, int, bool, bool, bool)"/> on a forced <paramref name="path"/>.</summary>
    internal static unsafe void MultiplyParallel(
        ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n, int threads, bool transposeA, bool transposeB, bool accumulate, GemmPath path)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        Validate(a, b, c, m, k, n);
        path = Resolve(path);

        int rowUnits = (m + GemmMicroKernel.MaxRows - 1) / GemmMicroKernel.MaxRows;
        int columnUnits = (n + ParallelColumnUnit - 1) / ParallelColumnUnit;
        bool splitRows = rowUnits >= threads || rowUnits >= columnUnits;
        int units = splitRows ? rowUnits : columnUnits;
        int workers = Math.Min(threads, units);
        int blocks = Math.Min(units, workers * BlocksPerWorker);
        if (workers <= 1 || k == 0)
        {
            Multiply(a, b, c, m, k, n, transposeA, transposeB, accumulate, path);
            return;
        }

        nint aRowStride = transposeA ? 1 : k;
        nint aColStride = transposeA ? m : 1;
        nint ldb = transposeB ? k : n;
        fixed (float* pa = a, pb = b, pc = c)
        {
            // Fixed locals cannot be captured; their addresses can, and stay pinned until the loop returns.
            nint aAddress = (nint)pa, bAddress = (nint)pb, cAddress = (nint)pc;
            Parallel.For(0, blocks, new ParallelOptions { MaxDegreeOfParallelism = workers }, block =>
            {
                int firstUnit = (int)((long)units * block / blocks);
                int endUnit = (int)((long)units * (block + 1) / blocks);
                ref float a0 = ref Unsafe.AsRef<float>((void*)aAddress);
                ref float b0 = ref Unsafe.AsRef<float>((void*)bAddress);
                ref float c0 = ref Unsafe.AsRef<float>((void*)cAddress);
                if (splitRows)
                {
                    int i0 = firstUnit * GemmMicroKernel.MaxRows;
                    int rows = Math.Min(m, endUnit * GemmMicroKernel.MaxRows) - i0;
                    MultiplyCore(
                        ref Unsafe.Add(ref a0, i0 * aRowStride), aRowStride, aColStride, ref b0, ldb, transposeB, ref Unsafe.Add(ref c0, (nint)i0 * n), n, rows, k, n, accumulate, path);
                }
                else
                {
                    int j0 = firstUnit * ParallelColumnUnit;
                    int columns = Math.Min(n, endUnit * ParallelColumnUnit) - j0;
                    ref float bBlock = ref Unsafe.Add(ref b0, transposeB ? j0 * ldb : j0);
                    MultiplyCore(
                        ref a0, aRowStride, aColStride, ref bBlock, ldb, transposeB, ref Unsafe.Add(ref c0, j0), n, m, k, columns, accumulate, path);
                }
            });
        }
    }

    private static void MultiplyCore(
        ref float a, nint aRowStride, nint aColStride, ref float b, nint ldb, bool transposeB, ref float c, nint ldc, int m, int k, int n, bool accumulate, GemmPath path)
    {
        if (m == 0 || n == 0)
        {
            return;
        }

        if (k == 0)
        {
            if (!accumulate)
            {
                for (int i = 0; i < m; i++)
                {
                    MemoryMarshal.CreateSpan(ref Unsafe.Add(ref c, i * ldc), n).Clear();
                }
            }

            return;
        }

        switch (path)
        {
            case GemmPath.Vector512:
                BlockedGemm.Multiply<Vector512Ops, Vector512<float>>(ref a, aRowStride, aColStride, ref b, ldb, transposeB, ref c, ldc, m, k, n, accumulate);
                break;
            case GemmPath.Vector256:
                BlockedGemm.Multiply<Vector256Ops, Vector256<float>>(ref a, aRowStride, aColStride, ref b, ldb, transposeB, ref c, ldc, m, k, n, accumulate);
                break;
            case GemmPath.Vector128:
                BlockedGemm.Multiply<Vector128Ops, Vector128<float>>(ref a, aRowStride, aColStride, ref b, ldb, transposeB, ref c, ldc, m, k, n, accumulate);
                break;
            default:
                Debug.Assert(path == GemmPath.Scalar, "Auto is resolved before dispatch.");
                ScalarGemm.Multiply(ref a, aRowStride, aColStride, ref b, ldb, transposeB, ref c, ldc, m, k, n, accumulate);
                break;
        }
    }

    private static void Validate(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        RequireLength(a.Length, (long)m * k, "op(A)", m, k, nameof(a));
        RequireLength(b.Length, (long)k * n, "op(B)", k, n, nameof(b));
        RequireLength(c.Length, (long)m * n, "C", m, n, nameof(c));
        if (c.Overlaps(a))
        {
            throw new ArgumentException("C must not overlap A.", nameof(c));
        }

        if (c.Overlaps(b))
        {
            throw new ArgumentException("C must not overlap B.", nameof(c));
        }
    }

    private static void RequireLength(int length, long required, string matrix, int rows, int columns, string paramName)
    {
        if (length < required)
        {
            throw new ArgumentException($"{matrix} is {rows}×{columns} = {required} floats but the span holds only {length}.", paramName);
        }
    }

    private static GemmPath Resolve(GemmPath path) => path == GemmPath.Auto ? SelectedPath : path;

    private static GemmPath SelectPath()
    {
        if (Vector512.IsHardwareAccelerated)
        {
            return GemmPath.Vector512;
        }

        // Without hardware FMA the vector FusedMultiplyAdd is emulated per lane, slower than scalar code.
        if (Vector256.IsHardwareAccelerated && Fma.IsSupported)
        {
            return GemmPath.Vector256;
        }

        if (Vector128.IsHardwareAccelerated && (Fma.IsSupported || AdvSimd.IsSupported))
        {
            return GemmPath.Vector128;
        }

        return GemmPath.Scalar;
    }
}
