using System.Diagnostics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Federated.Model.Kernels;

/// <summary>
/// The register-blocked inner kernel of <see cref="Gemm"/>: one tile of up to 6 rows × 4 vectors of C
/// held in registers while the shared dimension streams through, one broadcast of op(A) and one vector
/// load of the B panel feeding each fused multiply-add.
/// </summary>
internal static class GemmMicroKernel
{
    /// <summary>The largest tile height; row tails use the same kernel specialised on fewer rows.</summary>
    internal const int MaxRows = 6;

    // Row stride of the stack tile an edge tile is spilled to: the widest tile row, 4 × 16 floats.
    private const int TileStride = 64;

    /// <summary>
    /// Computes C[r, j] (+)= Σ_p op(A)[r, p] · panel[p, j] for r &lt; <typeparamref name="TRows"/> and
    /// j &lt; <paramref name="validColumns"/>, summing p = 0 … <paramref name="depth"/>-1 in order.
    /// </summary>
    /// <param name="a">op(A)[0, 0] of the tile; element (r, p) is at <c>r · aRowStride + p · aColStride</c>.</param>
    /// <param name="aRowStride">Elements between consecutive rows of op(A).</param>
    /// <param name="aColStride">Elements between consecutive columns of op(A).</param>
    /// <param name="b">Panel row 0; <typeparamref name="TCols"/> · Width readable floats per row, zero-padded beyond <paramref name="validColumns"/>.</param>
    /// <param name="ldb">Elements between consecutive panel rows.</param>
    /// <param name="depth">Length of the shared dimension in this call, at least 1.</param>
    /// <param name="c">C[0, 0] of the tile.</param>
    /// <param name="ldc">Elements between consecutive rows of C.</param>
    /// <param name="validColumns">Columns of C to write, in (Width · (TCols-1), Width · TCols].</param>
    /// <param name="accumulate">Add to C instead of overwriting it.</param>
    /// <remarks>
    /// Compiled fully optimised on first call: at tier 0 the static-abstract calls are not inlined and a
    /// trainer's first products would run two orders of magnitude slower until tiering caught up.
    /// </remarks>
    [SkipLocalsInit]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Compute<TOps, TVec, TRows, TCols>(
        ref float a, nint aRowStride, nint aColStride, ref float b, nint ldb, int depth, ref float c, nint ldc, int validColumns, bool accumulate)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
        where TRows : struct, ITileExtent
        where TCols : struct, ITileExtent
    {
        Debug.Assert(depth >= 1, "The shared dimension must not be empty.");
        Debug.Assert(validColumns > (TCols.Value - 1) * TOps.Width && validColumns <= TCols.Value * TOps.Width, "Columns must need exactly TCols vectors.");
        Debug.Assert(TCols.Value <= TOps.MaxColumnVectors, "The tile is wider than this vector width allows.");
        int w = TOps.Width;
        nint o1 = 1 * aRowStride;
        nint o2 = 2 * aRowStride;
        nint o3 = 3 * aRowStride;
        nint o4 = 4 * aRowStride;
        nint o5 = 5 * aRowStride;
        TVec c00 = default; TVec c01 = default; TVec c02 = default; TVec c03 = default;
        TVec c10 = default; TVec c11 = default; TVec c12 = default; TVec c13 = default;
        TVec c20 = default; TVec c21 = default; TVec c22 = default; TVec c23 = default;
        TVec c30 = default; TVec c31 = default; TVec c32 = default; TVec c33 = default;
        TVec c40 = default; TVec c41 = default; TVec c42 = default; TVec c43 = default;
        TVec c50 = default; TVec c51 = default; TVec c52 = default; TVec c53 = default;

        for (int p = 0; p < depth; p++)
        {
            TVec b0 = TOps.Load(ref b, 0);
            TVec b1 = TCols.Value > 1 ? TOps.Load(ref b, 1 * w) : default;
            TVec b2 = TCols.Value > 2 ? TOps.Load(ref b, 2 * w) : default;
            TVec b3 = TCols.Value > 3 ? TOps.Load(ref b, 3 * w) : default;

            TVec x = TOps.Broadcast(a);
            c00 = TOps.MultiplyAdd(x, b0, c00);
            if (TCols.Value > 1) { c01 = TOps.MultiplyAdd(x, b1, c01); }
            if (TCols.Value > 2) { c02 = TOps.MultiplyAdd(x, b2, c02); }
            if (TCols.Value > 3) { c03 = TOps.MultiplyAdd(x, b3, c03); }
            if (TRows.Value > 1)
            {
                x = TOps.Broadcast(Unsafe.Add(ref a, o1));
                c10 = TOps.MultiplyAdd(x, b0, c10);
                if (TCols.Value > 1) { c11 = TOps.MultiplyAdd(x, b1, c11); }
                if (TCols.Value > 2) { c12 = TOps.MultiplyAdd(x, b2, c12); }
                if (TCols.Value > 3) { c13 = TOps.MultiplyAdd(x, b3, c13); }
            }
            if (TRows.Value > 2)
            {
                x = TOps.Broadcast(Unsafe.Add(ref a, o2));
                c20 = TOps.MultiplyAdd(x, b0, c20);
                if (TCols.Value > 1) { c21 = TOps.MultiplyAdd(x, b1, c21); }
                if (TCols.Value > 2) { c22 = TOps.MultiplyAdd(x, b2, c22); }
                if (TCols.Value > 3) { c23 = TOps.MultiplyAdd(x, b3, c23); }
            }
            if (TRows.Value > 3)
            {
                x = TOps.Broadcast(Unsafe.Add(ref a, o3));
                c30 = TOps.MultiplyAdd(x, b0, c30);
                if (TCols.Value > 1) { c31 = TOps.MultiplyAdd(x, b1, c31); }
                if (TCols.Value > 2) { c32 = TOps.MultiplyAdd(x, b2, c32); }
                if (TCols.Value > 3) { c33 = TOps.MultiplyAdd(x, b3, c33); }
            }
            if (TRows.Value > 4)
            {
                x = TOps.Broadcast(Unsafe.Add(ref a, o4));
                c40 = TOps.MultiplyAdd(x, b0, c40);
                if (TCols.Value > 1) { c41 = TOps.MultiplyAdd(x, b1, c41); }
                if (TCols.Value > 2) { c42 = TOps.MultiplyAdd(x, b2, c42); }
                if (TCols.Value > 3) { c43 = TOps.MultiplyAdd(x, b3, c43); }
            }
            if (TRows.Value > 5)
            {
                x = TOps.Broadcast(Unsafe.Add(ref a, o5));
                c50 = TOps.MultiplyAdd(x, b0, c50);
                if (TCols.Value > 1) { c51 = TOps.MultiplyAdd(x, b1, c51); }
                if (TCols.Value > 2) { c52 = TOps.MultiplyAdd(x, b2, c52); }
                if (TCols.Value > 3) { c53 = TOps.MultiplyAdd(x, b3, c53); }
            }

            a = ref Unsafe.Add(ref a, aColStride);
            b = ref Unsafe.Add(ref b, ldb);
        }

        // No calls while the accumulators are live: a call clobbers every vector register, and the
        // register allocator would then spill each accumulator inside the loop.
        if (validColumns == TCols.Value * w)
        {
            StoreRow<TOps, TVec, TCols>(ref c, c00, c01, c02, c03, accumulate);

            if (TRows.Value > 1)
            {
                StoreRow<TOps, TVec, TCols>(ref Unsafe.Add(ref c, 1 * ldc), c10, c11, c12, c13, accumulate);
            }

            if (TRows.Value > 2)
            {
                StoreRow<TOps, TVec, TCols>(ref Unsafe.Add(ref c, 2 * ldc), c20, c21, c22, c23, accumulate);
            }

            if (TRows.Value > 3)
            {
                StoreRow<TOps, TVec, TCols>(ref Unsafe.Add(ref c, 3 * ldc), c30, c31, c32, c33, accumulate);
            }

            if (TRows.Value > 4)
            {
                StoreRow<TOps, TVec, TCols>(ref Unsafe.Add(ref c, 4 * ldc), c40, c41, c42, c43, accumulate);
            }

            if (TRows.Value > 5)
            {
                StoreRow<TOps, TVec, TCols>(ref Unsafe.Add(ref c, 5 * ldc), c50, c51, c52, c53, accumulate);
            }
        }
        else
        {
            Span<float> tile = stackalloc float[MaxRows * TileStride];
            ref float t = ref MemoryMarshal.GetReference(tile);
            StoreRow<TOps, TVec, TCols>(ref t, c00, c01, c02, c03, accumulate: false);

            if (TRows.Value > 1)
            {
                StoreRow<TOps, TVec, TCols>(ref Unsafe.Add(ref t, 1 * TileStride), c10, c11, c12, c13, accumulate: false);
            }

            if (TRows.Value > 2)
            {
                StoreRow<TOps, TVec, TCols>(ref Unsafe.Add(ref t, 2 * TileStride), c20, c21, c22, c23, accumulate: false);
            }

            if (TRows.Value > 3)
            {
                StoreRow<TOps, TVec, TCols>(ref Unsafe.Add(ref t, 3 * TileStride), c30, c31, c32, c33, accumulate: false);
            }

            if (TRows.Value > 4)
            {
                StoreRow<TOps, TVec, TCols>(ref Unsafe.Add(ref t, 4 * TileStride), c40, c41, c42, c43, accumulate: false);
            }

            if (TRows.Value > 5)
            {
                StoreRow<TOps, TVec, TCols>(ref Unsafe.Add(ref t, 5 * TileStride), c50, c51, c52, c53, accumulate: false);
            }

            CopyEdgeTile(ref t, ref c, ldc, TRows.Value, validColumns, accumulate);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow<TOps, TVec, TCols>(ref float c, TVec v0, TVec v1, TVec v2, TVec v3, bool accumulate)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
        where TCols : struct, ITileExtent
    {
        int w = TOps.Width;
        StoreVector<TOps, TVec>(ref c, 0, v0, accumulate);
        if (TCols.Value > 1)
        {
            StoreVector<TOps, TVec>(ref c, w, v1, accumulate);
        }

        if (TCols.Value > 2)
        {
            StoreVector<TOps, TVec>(ref c, 2 * w, v2, accumulate);
        }

        if (TCols.Value > 3)
        {
            StoreVector<TOps, TVec>(ref c, 3 * w, v3, accumulate);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreVector<TOps, TVec>(ref float c, nint offset, TVec value, bool accumulate)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
    {
        if (accumulate)
        {
            value = TOps.Add(value, TOps.Load(ref c, offset));
        }

        TOps.Store(value, ref c, offset);
    }

    /// <summary>Edge tiles only: writes the valid <paramref name="columns"/> of each row of a spilled tile into C.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void CopyEdgeTile(ref float tile, ref float c, nint ldc, int rows, int columns, bool accumulate)
    {
        for (int r = 0; r < rows; r++)
        {
            var source = MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref tile, r * TileStride), columns);
            var target = MemoryMarshal.CreateSpan(ref Unsafe.Add(ref c, r * ldc), columns);
            if (accumulate)
            {
                TensorPrimitives.Add(target, source, target);
            }
            else
            {
                source.CopyTo(target);
            }
        }
    }
}
