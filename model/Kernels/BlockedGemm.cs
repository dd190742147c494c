using System.Buffers;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Federated.Model.Kernels;

/// <summary>
/// The blocked loop nest around <see cref="GemmMicroKernel"/> for one vector width: the shared dimension
/// in blocks of <see cref="DepthBlock"/>, C in column panels of up to 4 vectors, each panel swept by
/// tiles of up to 6 rows. op(A) is read in place through its strides (broadcasts need no packing);
/// a B panel is read in place when it is row-contiguous and full-width, otherwise packed once per
/// depth block into pooled scratch, transposed and zero-padded to whole vectors.
/// </summary>
internal static class BlockedGemm
{
    /// <summary>
    /// Depth (k) block: a packed 128 × 64 panel is 32 KiB, which stays in L1 while every row tile of A
    /// streams past it. Results for k &gt; 128 add partial sums into C block by block.
    /// </summary>
    internal const int DepthBlock = 128;

    /// <summary>
    /// C[i, j] (+)= Σ_p op(A)[i, p] · op(B)[p, j] for i &lt; m, j &lt; n, p &lt; k, with k ≥ 1.
    /// op(A)[i, p] is at <c>a[i · aRowStride + p · aColStride]</c>; op(B)[p, j] is at
    /// <c>b[p · ldb + j]</c>, or <c>b[j · ldb + p]</c> when <paramref name="transposeB"/>; C[i, j] is at <c>c[i · ldc + j]</c>.
    /// </summary>
    [SkipLocalsInit]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Multiply<TOps, TVec>(
        ref float a, nint aRowStride, nint aColStride, ref float b, nint ldb, bool transposeB, ref float c, nint ldc, int m, int k, int n, bool accumulate)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
    {
        Debug.Assert(m > 0 && k > 0 && n > 0, "Empty products are handled by the caller.");
        int width = TOps.Width;
        int panelWidth = TOps.MaxColumnVectors * width;
        float[]? scratch = null;
        try
        {
            for (int pc = 0; pc < k; pc += DepthBlock)
            {
                int depth = Math.Min(DepthBlock, k - pc);
                bool addToC = accumulate || pc > 0;
                for (int jc = 0; jc < n; jc += panelWidth)
                {
                    int columns = Math.Min(panelWidth, n - jc);
                    int vectors = (columns + width - 1) / width;
                    scoped ref float panel = ref Unsafe.NullRef<float>();
                    nint panelStride;
                    if (!transposeB && columns == vectors * width)
                    {
                        panel = ref Unsafe.Add(ref b, (pc * ldb) + jc);
                        panelStride = ldb;
                    }
                    else
                    {
                        scratch ??= ArrayPool<float>.Shared.Rent(DepthBlock * panelWidth);
                        panelStride = vectors * width;
                        ref float source = ref transposeB ? ref Unsafe.Add(ref b, (jc * ldb) + pc) : ref Unsafe.Add(ref b, (pc * ldb) + jc);
                        PackPanel(ref source, ldb, transposeB, depth, columns, scratch.AsSpan(0, depth * (int)panelStride));
                        panel = ref MemoryMarshal.GetArrayDataReference(scratch);
                    }

                    ref float aBlock = ref Unsafe.Add(ref a, pc * aColStride);
                    ref float cPanel = ref Unsafe.Add(ref c, jc);
                    for (int ic = 0; ic < m; ic += GemmMicroKernel.MaxRows)
                    {
                        int rows = Math.Min(GemmMicroKernel.MaxRows, m - ic);
                        Tile<TOps, TVec>(
                            rows,
                            vectors,
                            ref Unsafe.Add(ref aBlock, ic * aRowStride),
                            aRowStride,
                            aColStride,
                            ref panel,
                            panelStride,
                            depth,
                            ref Unsafe.Add(ref cPanel, ic * ldc),
                            ldc,
                            columns,
                            addToC);
                    }
                }
            }
        }
        finally
        {
            if (scratch is not null)
            {
                ArrayPool<float>.Shared.Return(scratch);
            }
        }
    }

    /// <summary>
    /// Copies op(B)[0..depth, 0..columns] into <paramref name="panel"/> as rows of
    /// <c>panel.Length / depth</c> floats, zero-filling the columns past <paramref name="columns"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void PackPanel(ref float source, nint ldb, bool transposeB, int depth, int columns, Span<float> panel)
    {
        int stride = panel.Length / depth;
        Debug.Assert(stride >= columns && stride * depth == panel.Length, "Panel rows must hold every column.");
        if (!transposeB)
        {
            for (int p = 0; p < depth; p++)
            {
                Span<float> row = panel.Slice(p * stride, stride);
                MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref source, p * ldb), columns).CopyTo(row);
                row[columns..].Clear();
            }

            return;
        }

        // B is stored [n, k]: column j of op(B) is row j of B, contiguous in p.
        ref float destination = ref MemoryMarshal.GetReference(panel);
        int j = 0;
        if (Sse.IsSupported)
        {
            // 4 × 4 register transposes: four contiguous loads in, four contiguous stores out.
            for (; j + 4 <= columns; j += 4)
            {
                ref float row0 = ref Unsafe.Add(ref source, j * ldb);
                ref float row1 = ref Unsafe.Add(ref row0, ldb);
                ref float row2 = ref Unsafe.Add(ref row1, ldb);
                ref float row3 = ref Unsafe.Add(ref row2, ldb);
                int p = 0;
                for (; p + 4 <= depth; p += 4)
                {
                    var v0 = Vector128.LoadUnsafe(ref row0, (nuint)p);
                    var v1 = Vector128.LoadUnsafe(ref row1, (nuint)p);
                    var v2 = Vector128.LoadUnsafe(ref row2, (nuint)p);
                    var v3 = Vector128.LoadUnsafe(ref row3, (nuint)p);
                    var low01 = Sse.UnpackLow(v0, v1);
                    var low23 = Sse.UnpackLow(v2, v3);
                    var high01 = Sse.UnpackHigh(v0, v1);
                    var high23 = Sse.UnpackHigh(v2, v3);
                    ref float target = ref Unsafe.Add(ref destination, (p * stride) + j);
                    Sse.MoveLowToHigh(low01, low23).StoreUnsafe(ref target);
                    Sse.MoveHighToLow(low23, low01).StoreUnsafe(ref target, (nuint)stride);
                    Sse.MoveLowToHigh(high01, high23).StoreUnsafe(ref target, (nuint)(2 * stride));
                    Sse.MoveHighToLow(high23, high01).StoreUnsafe(ref target, (nuint)(3 * stride));
                }

                for (; p < depth; p++)
                {
                    ref float target = ref Unsafe.Add(ref destination, (p * stride) + j);
                    target = Unsafe.Add(ref row0, p);
                    Unsafe.Add(ref target, 1) = Unsafe.Add(ref row1, p);
                    Unsafe.Add(ref target, 2) = Unsafe.Add(ref row2, p);
                    Unsafe.Add(ref target, 3) = Unsafe.Add(ref row3, p);
                }
            }
        }

        for (; j < columns; j++)
        {
            ref float column = ref Unsafe.Add(ref source, j * ldb);
            for (int p = 0; p < depth; p++)
            {
                Unsafe.Add(ref destination, (p * stride) + j) = Unsafe.Add(ref column, p);
            }
        }

        if (columns < stride)
        {
            for (int p = 0; p < depth; p++)
            {
                panel.Slice((p * stride) + columns, stride - columns).Clear();
            }
        }
    }

    private static void Tile<TOps, TVec>(
        int rows, int vectors, ref float a, nint aRowStride, nint aColStride, ref float b, nint ldb, int depth, ref float c, nint ldc, int columns, bool accumulate)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
    {
        switch (rows)
        {
            case 6:
                Tile<TOps, TVec, TileExtent.Six>(vectors, ref a, aRowStride, aColStride, ref b, ldb, depth, ref c, ldc, columns, accumulate);
                break;
            case 5:
                Tile<TOps, TVec, TileExtent.Five>(vectors, ref a, aRowStride, aColStride, ref b, ldb, depth, ref c, ldc, columns, accumulate);
                break;
            case 4:
                Tile<TOps, TVec, TileExtent.Four>(vectors, ref a, aRowStride, aColStride, ref b, ldb, depth, ref c, ldc, columns, accumulate);
                break;
            case 3:
                Tile<TOps, TVec, TileExtent.Three>(vectors, ref a, aRowStride, aColStride, ref b, ldb, depth, ref c, ldc, columns, accumulate);
                break;
            case 2:
                Tile<TOps, TVec, TileExtent.Two>(vectors, ref a, aRowStride, aColStride, ref b, ldb, depth, ref c, ldc, columns, accumulate);
                break;
            default:
                Debug.Assert(rows == 1, "Tiles are 1 to 6 rows high.");
                Tile<TOps, TVec, TileExtent.One>(vectors, ref a, aRowStride, aColStride, ref b, ldb, depth, ref c, ldc, columns, accumulate);
                break;
        }
    }

    private static void Tile<TOps, TVec, TRows>(
        int vectors, ref float a, nint aRowStride, nint aColStride, ref float b, nint ldb, int depth, ref float c, nint ldc, int columns, bool accumulate)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
        where TRows : struct, ITileExtent
    {
        switch (vectors)
        {
            case 4:
                GemmMicroKernel.Compute<TOps, TVec, TRows, TileExtent.Four>(ref a, aRowStride, aColStride, ref b, ldb, depth, ref c, ldc, columns, accumulate);
                break;
            case 3:
                GemmMicroKernel.Compute<TOps, TVec, TRows, TileExtent.Three>(ref a, aRowStride, aColStride, ref b, ldb, depth, ref c, ldc, columns, accumulate);
                break;
            case 2:
                GemmMicroKernel.Compute<TOps, TVec, TRows, TileExtent.Two>(ref a, aRowStride, aColStride, ref b, ldb, depth, ref c, ldc, columns, accumulate);
                break;
            default:
                Debug.Assert(vectors == 1, "Tiles are 1 to 4 vectors wide.");
                GemmMicroKernel.Compute<TOps, TVec, TRows, TileExtent.One>(ref a, aRowStride, aColStride, ref b, ldb, depth, ref c, ldc, columns, accumulate);
                break;
        }
    }
}
