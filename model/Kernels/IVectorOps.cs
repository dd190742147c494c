namespace Federated.Model.Kernels;

/// <summary>
/// The handful of float-vector operations the GEMM micro-kernel needs, as static abstract members so
/// that one kernel body, specialised per struct, compiles to Vector512, Vector256 or Vector128 code
/// with every call inlined.
/// </summary>
/// <typeparam name="TVec">The vector type, e.g. <c>Vector512&lt;float&gt;</c>.</typeparam>
internal interface IVectorOps<TVec>
    where TVec : struct
{
    /// <summary>Gets the number of float lanes in <typeparamref name="TVec"/>.</summary>
    static abstract int Width { get; }

    /// <summary>Gets the largest number of vectors per tile row that still keeps the whole tile in registers.</summary>
    static abstract int MaxColumnVectors { get; }

    /// <summary>Loads <see cref="Width"/> floats starting <paramref name="offset"/> elements after <paramref name="source"/>.</summary>
    static abstract TVec Load(ref float source, nint offset);

    /// <summary>Stores <see cref="Width"/> floats starting <paramref name="offset"/> elements after <paramref name="destination"/>.</summary>
    static abstract void Store(TVec value, ref float destination, nint offset);

    /// <summary>Returns a vector with every lane equal to <paramref name="value"/>.</summary>
    static abstract TVec Broadcast(float value);

    /// <summary>Returns <c>left · right + addend</c> lane-wise, fused where the hardware allows.</summary>
    static abstract TVec MultiplyAdd(TVec left, TVec right, TVec addend);

    /// <summary>Returns <c>left + right</c> lane-wise.</summary>
    static abstract TVec Add(TVec left, TVec right);
}
