namespace Federated.Coordinator.Aggregation.Robust;

/// <summary>
/// Server-side norm bounding: each update of a round is scaled to at most k × the round's median update L2 norm, so no
/// single node can move the aggregate by more than a few typical updates' worth (in the spirit of Sun et al., "Can You
/// Really Backdoor Federated Learning?", 2019, with the bound taken from the round itself rather than fixed).
/// </summary>
/// <remarks>
/// Run config key <c>strategy.parameters.normBoundMultiple</c> (k, finite and &gt; 0; absent: no bound), accepted by every
/// strategy. The norm is ‖Δ‖₂ over every value an update carried as sent (trunk, task tensors, sent rows); the median of
/// an even count is the mean of the two middle norms. Update k is multiplied by s_k = min(1, k · median / ‖Δ_k‖₂) (as a
/// float, in float arithmetic) before the strategy sees it. The bound needs every norm of the round first, so it works on
/// the round's buffer (<see cref="UpdateBuffer"/>) at the aggregation step: in front of a robust rule it costs nothing
/// more; in front of a streaming strategy such as FedAvg it makes that strategy buffer its round
/// (<see cref="NormBoundedStrategy"/>).
/// </remarks>
public static class NormBound
{
    /// <summary>The run config parameter: k, the multiple of the round's median norm.</summary>
    public const string MultipleKey = "normBoundMultiple";

    /// <summary>The factor each update is multiplied by: min(1, multiple × median(norms) / norm_k).</summary>
    /// <param name="norms">The round's update norms, ≥ 0, in arrival order (at least one).</param>
    /// <param name="multiple">k, &gt; 0; null: no bound (every factor 1).</param>
    public static float[] Scales(ReadOnlySpan<double> norms, double? multiple)
    {
        var scales = new float[norms.Length];
        Array.Fill(scales, 1f);
        if (multiple is not { } k || norms.IsEmpty)
        {
            return scales;
        }

        var bound = k * Median(norms);
        for (var i = 0; i < norms.Length; i++)
        {
            if (norms[i] > bound)
            {
                scales[i] = (float)(bound / norms[i]);
            }
        }

        return scales;
    }

    /// <summary>The median; for an even count the mean of the two middle values.</summary>
    public static double Median(ReadOnlySpan<double> values)
    {
        var sorted = values.ToArray();
        Array.Sort(sorted);
        var n = sorted.Length;
        return (n & 1) == 1 ? sorted[n / 2] : (sorted[(n / 2) - 1] + sorted[n / 2]) / 2;
    }

    /// <summary>The norms of a buffer's updates, in arrival order.</summary>
    internal static double[] NormsOf(UpdateBuffer buffer)
    {
        var norms = new double[buffer.Count];
        for (var k = 0; k < norms.Length; k++)
        {
            norms[k] = buffer[k].Norm;
        }

        return norms;
    }
}
