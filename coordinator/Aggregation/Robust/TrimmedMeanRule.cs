namespace Federated.Coordinator.Aggregation.Robust;

/// <summary>
/// The coordinate-wise β-trimmed mean (Yin et al., ICML 2018): of the c values of a coordinate, the ⌊β·c⌋ smallest and
/// the ⌊β·c⌋ largest are cut, and the rest averaged in double, in ascending order.
/// </summary>
internal sealed class TrimmedMeanRule : ICoordinateRule
{
    private readonly double _beta;

    /// <param name="beta">The fraction cut per side, in [0, 0.5).</param>
    public TrimmedMeanRule(double beta)
    {
        _beta = beta;
    }

    public double Aggregate(Span<float> values)
    {
        SmallSort.Sort(values);
        var cut = Cut(_beta, values.Length);
        double sum = 0;
        for (var i = cut; i < values.Length - cut; i++)
        {
            sum += values[i];
        }

        return sum / (values.Length - (2 * cut));
    }

    /// <summary>Values cut per side from <paramref name="count"/>: ⌊β·count⌋.</summary>
    public static int Cut(double beta, int count) => (int)Math.Floor(beta * count);
}
