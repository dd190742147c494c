namespace Federated.Coordinator.Aggregation.Robust;

/// <summary>The plain mean, summed in double in arrival order: Multi-Krum's average of the selected updates.</summary>
internal sealed class MeanRule : ICoordinateRule
{
    public static MeanRule Instance { get; } = new();

    public double Aggregate(Span<float> values)
    {
        double sum = 0;
        foreach (var value in values)
        {
            sum += value;
        }

        return sum / values.Length;
    }
}
