namespace Federated.Benchmarks;

/// <summary>One JSON line of the <c>gemm</c> benchmark.</summary>
/// <param name="Shape">M×K×N of the product, e.g. <c>256x128x64</c>.</param>
/// <param name="Variant">
/// Operand orientation: <c>nn</c> = A·B, <c>tn</c> = Aᵀ·B (A stored [k,m]), <c>nt</c> = A·Bᵀ (B stored [n,k]).
/// </param>
/// <param name="Threads">Workers used for the product.</param>
/// <param name="Implementation"><c>Federated.Gemm</c> or the comparison library.</param>
/// <param name="Path">Vector path the implementation ran on, or the library's provider.</param>
/// <param name="Gflops">Median over the measurement slices, 10⁹ floating-point operations per second (2·M·K·N per product).</param>
/// <param name="GflopsBest">Best slice, same unit; the least disturbed by other processes.</param>
/// <param name="PeakGflopsPerCore">Measured FMA throughput of one core at the widest vector width, same unit.</param>
/// <param name="PeakFractionEstimate"><see cref="Gflops"/> / (<see cref="PeakGflopsPerCore"/> · <see cref="Threads"/>).</param>
internal sealed record GemmMeasurement(
    string Shape,
    string Variant,
    int Threads,
    string Implementation,
    string Path,
    double Gflops,
    double GflopsBest,
    double PeakGflopsPerCore,
    double PeakFractionEstimate);
