using System.Runtime.CompilerServices;

namespace Federated.Model.Kernels;

/// <summary>
/// The portable path of <see cref="Gemm"/>: one float dot product per element of C, summed in order
/// of the shared index. Used where no vector width is hardware-accelerated and as the reference the
/// vector paths are tested against.
/// </summary>
internal static class ScalarGemm
{
    /// <summary>Same contract as <see cref="BlockedGemm.Multiply{TOps, TVec}"/>.</summary>
    internal static void Multiply(
        ref float a, nint aRowStride, nint aColStride, ref float b, nint ldb, bool transposeB, ref float c, nint ldc, int m, int k, int n, bool accumulate)
    {
        nint bRowStride = transposeB ? 1 : ldb;
        nint bColStride = transposeB ? ldb : 1;
        for (int i = 0; i < m; i++)
        {
            ref float aRow = ref Unsafe.Add(ref a, i * aRowStride);
            ref float cRow = ref Unsafe.Add(ref c, i * ldc);
            for (int j = 0; j < n; j++)
            {
                ref float bColumn = ref Unsafe.Add(ref b, j * bColStride);
                float sum = 0f;
                for (int p = 0; p < k; p++)
                {
                    sum += Unsafe.Add(ref aRow, p * aColStride) * Unsafe.Add(ref bColumn, p * bRowStride);
                }

                ref float target = ref Unsafe.Add(ref cRow, j);
                target = accumulate ? target + sum : sum;
            }
        }
    }
}
