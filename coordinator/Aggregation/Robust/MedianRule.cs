namespace Federated.Coordinator.Aggregation.Robust;

/// <summary>The coordinate-wise median: the middle value, or for an even count the mean of the two middle ones (in double).</summary>
internal sealed class MedianRule : ICoordinateRule
{
    public static MedianRule Instance { get; } = new();

    public double Aggregate(Span<float> values) => Median(values);

    /// <summary>The median of <paramref name="values"/>, which are sorted in place.</summary>
    public static double Median(Span<float> values)
    {
        SmallSort.Sort(values);
        var n = values.Length;
        return (n & 1) == 1 ? values[n / 2] : ((double)values[(n / 2) - 1] + values[n / 2]) / 2;
    }
}
