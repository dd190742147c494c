namespace Federated.Model.Metrics;

/// <summary>
/// A mergeable summary of evaluation data from which a metric is computed exactly: nodes build one
/// locally, send its flat wire form, and the coordinator merges them into the summary of the pooled
/// data without ever seeing a single example's score.
/// </summary>
/// <remarks>
/// Merging is associative and commutative. Integer counts and histograms merge bit-for-bit; sums of
/// real values (log-loss, squared errors) are <see cref="double"/> sums and so agree with the pooled
/// summary up to rounding (a relative error of order n·2⁻⁵³). The wire form is a <see cref="double"/>
/// array whose element 0 is <see cref="Kind"/>; counts are whole numbers, exact up to 2⁵³.
/// Read one back with <see cref="MetricSummaryCodec.FromArray"/> or the concrete type's
/// <c>FromArray</c>. Instances are not thread-safe.
/// </remarks>
public interface IMetricSummary
{
    /// <summary>The kind of summary; element 0 of the wire form.</summary>
    MetricSummaryKind Kind { get; }

    /// <summary>The number of labelled examples (or evaluated users, for ranking) summarised.</summary>
    long Count { get; }

    /// <summary>The length of the wire form in elements; constant for a given configuration.</summary>
    int WireLength { get; }

    /// <summary>Writes the wire form into <paramref name="destination"/>, of length at least <see cref="WireLength"/>.</summary>
    /// <param name="destination">The buffer to fill; elements past <see cref="WireLength"/> are left untouched.</param>
    void WriteTo(Span<double> destination);

    /// <summary>Returns the wire form as a new array of length <see cref="WireLength"/>.</summary>
    double[] ToArray();

    /// <summary>Adds the content of <paramref name="other"/> to this summary.</summary>
    /// <param name="other">A summary of the same <see cref="Kind"/> and configuration (bin count, K).</param>
    /// <exception cref="ArgumentException">The kinds or configurations differ.</exception>
    void Merge(IMetricSummary other);
}
