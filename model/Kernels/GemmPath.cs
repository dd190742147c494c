namespace Federated.Model.Kernels;

/// <summary>
/// The instruction-set path a <see cref="Gemm"/> call runs on. Every path computes the same
/// product; they differ only in vector width, hence in summation order within float tolerance.
/// </summary>
internal enum GemmPath
{
    /// <summary>Pick the widest hardware-accelerated path at run time.</summary>
    Auto = 0,

    /// <summary>512-bit vectors (16 floats), 6 × 64 register tile.</summary>
    Vector512,

    /// <summary>256-bit vectors (8 floats), 6 × 16 register tile.</summary>
    Vector256,

    /// <summary>128-bit vectors (4 floats), 6 × 8 register tile.</summary>
    Vector128,

    /// <summary>Plain scalar loops; the reference the vector paths are tested against.</summary>
    Scalar,
}
