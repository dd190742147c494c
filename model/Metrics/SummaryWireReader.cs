namespace Federated.Model.Metrics;

/// <summary>Checks shared by the summaries' <c>FromArray</c> readers; every failure is an <see cref="ArgumentException"/>.</summary>
internal static class SummaryWireReader
{
    /// <summary>The largest whole number a <see cref="double"/> holds exactly (2⁵³).</summary>
    public const double MaxExactCount = 9_007_199_254_740_992d;

    public static void CheckHeader(ReadOnlySpan<double> values, MetricSummaryKind expected, int minimumLength, string paramName)
    {
        if (values.Length < minimumLength)
        {
            throw new ArgumentException(
                $"A {expected} metric summary needs at least {minimumLength} values; got {values.Length}.", paramName);
        }

        if (values[0] != (double)expected)
        {
            throw new ArgumentException(
                $"Element 0 must be the kind code {(int)expected} ({expected}); got {values[0]}.", paramName);
        }
    }

    public static void CheckLength(ReadOnlySpan<double> values, int expectedLength, MetricSummaryKind kind, string paramName)
    {
        if (values.Length != expectedLength)
        {
            throw new ArgumentException(
                $"A {kind} metric summary of this configuration has {expectedLength} values; got {values.Length}.", paramName);
        }
    }

    public static long ReadCount(ReadOnlySpan<double> values, int index, string field, string paramName)
    {
        var value = values[index];
        if (double.IsNaN(value) || value < 0 || value > MaxExactCount || value != Math.Floor(value))
        {
            throw new ArgumentException(
                $"Element {index} ({field}) must be a whole number in [0, 2^53]; got {value}.", paramName);
        }

        return (long)value;
    }

    public static int ReadSize(ReadOnlySpan<double> values, int index, string field, int min, int max, string paramName)
    {
        var value = values[index];
        if (double.IsNaN(value) || value < min || value > max || value != Math.Floor(value))
        {
            throw new ArgumentException(
                $"Element {index} ({field}) must be a whole number in [{min}, {max}]; got {value}.", paramName);
        }

        return (int)value;
    }

    public static double ReadFinite(ReadOnlySpan<double> values, int index, string field, bool nonNegative, string paramName)
    {
        var value = values[index];
        if (!double.IsFinite(value) || (nonNegative && value < 0))
        {
            var range = nonNegative ? "finite and non-negative" : "finite";
            throw new ArgumentException($"Element {index} ({field}) must be {range}; got {value}.", paramName);
        }

        return value;
    }

    public static void CheckWritable(long count, Span<double> destination, int wireLength, MetricSummaryKind kind)
    {
        if (destination.Length < wireLength)
        {
            throw new ArgumentException(
                $"The destination holds {destination.Length} values; a {kind} metric summary needs {wireLength}.",
                nameof(destination));
        }

        if (count > MaxExactCount)
        {
            throw new InvalidOperationException(
                $"The count {count} exceeds 2^53 and cannot be written exactly as a double.");
        }
    }
}
