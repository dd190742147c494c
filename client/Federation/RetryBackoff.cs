namespace Federated.Client.Federation;

/// <summary>
/// Exponential backoff with jitter: attempt n (from 1) waits min(max, initial·2ⁿ⁻¹)·(½ + ½·u) for a uniform u in [0, 1),
/// so that many nodes cut off together do not come back together.
/// </summary>
public static class RetryBackoff
{
    /// <summary>The delay before retry <paramref name="attempt"/> (1 = first retry).</summary>
    /// <param name="attempt">The retry, ≥ 1.</param>
    /// <param name="initial">The first delay, before jitter.</param>
    /// <param name="max">The cap, before jitter.</param>
    /// <param name="uniform">A number in [0, 1).</param>
    public static TimeSpan Delay(int attempt, TimeSpan initial, TimeSpan max, double uniform)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(attempt, 1);
        var doubled = initial.TotalMilliseconds * Math.Pow(2, Math.Min(attempt - 1, 30));
        var capped = Math.Min(doubled, max.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(capped * (0.5 + (0.5 * Math.Clamp(uniform, 0, 1))));
    }
}
