namespace Federated.Coordinator.Aggregation.Robust;

/// <summary>How the values the updates sent for one coordinate become that coordinate's aggregate step.</summary>
internal interface ICoordinateRule
{
    /// <summary>The aggregate of <paramref name="values"/> (one per update that carries the coordinate, in arrival order, at least one).</summary>
    /// <param name="values">The values; the rule may reorder them.</param>
    double Aggregate(Span<float> values);
}
