using Federated.Coordinator.Runs;
using Federated.Model.Parameters;

namespace Federated.Coordinator.Aggregation.Robust;

/// <summary>The names, parameters and preconditions of the robust strategies (<see cref="RobustStrategy"/>).</summary>
/// <remarks>
/// Parameters (<c>strategy.parameters.*</c>): every robust strategy takes <c>serverLearningRate</c> (η &gt; 0, default 1)
/// and <c>normBoundMultiple</c> (<see cref="NormBound"/>); <c>trimmed-mean</c> takes <c>beta</c> (in [0, 0.5), default
/// 0.1); <c>krum</c> and <c>multi-krum</c> need <c>f</c> (an integer ≥ 0) and <c>multi-krum</c> takes <c>m</c> (an
/// integer in [1, n − f], default n − f of each round); <c>centered-clipping</c> needs <c>tau</c> (&gt; 0) and takes
/// <c>iters</c> (an integer ≥ 1, default 3). n is the fewest updates a round can commit with, the run's
/// quorum (<see cref="RunConfig.EffectiveQuorum"/>): a round closes early only when every selected node (at least
/// <c>minClients</c> ≥ quorum) has sent its update, and at its deadline only with at least the quorum.
/// <para>
/// Every robust strategy also takes <c>bucket</c> (s, an integer ≥ 1, default 1 = off): the rule then runs over the
/// means of ⌈n/s⌉ seeded random buckets of s updates (<see cref="Bucketing"/>), and the preconditions above hold with
/// ⌈n/s⌉ in place of n (Krum: ⌈n/s⌉ ≥ 2f + 3; trimmed mean: 2·⌊β·⌈n/s⌉⌋ &lt; ⌈n/s⌉; m ≤ ⌈n/s⌉ − f).
/// </para>
/// </remarks>
public static class RobustStrategies
{
    /// <summary>Coordinate-wise median.</summary>
    public const string Median = "median";

    /// <summary>Coordinate-wise trimmed mean.</summary>
    public const string TrimmedMean = "trimmed-mean";

    /// <summary>Krum: the one update closest to its neighbours.</summary>
    public const string Krum = "krum";

    /// <summary>Multi-Krum: the mean of the m updates closest to their neighbours.</summary>
    public const string MultiKrum = "multi-krum";

    /// <summary>Centered clipping (<see cref="CenteredClipping"/>).</summary>
    public const string CenteredClippingName = "centered-clipping";

    /// <summary>τ of centered clipping: the clipping radius, an L2 norm &gt; 0 in the updates' units; required.</summary>
    public const string TauKey = "tau";

    /// <summary>L of centered clipping: the clipping iterations per round, an integer ≥ 1; default <see cref="DefaultIterations"/>.</summary>
    public const string IterationsKey = "iters";

    /// <summary>L when <c>iters</c> is absent.</summary>
    public const int DefaultIterations = 3;

    /// <summary>β of the trimmed mean: the fraction of values cut per side.</summary>
    public const string BetaKey = "beta";

    /// <summary>f of Krum: the number of bad updates tolerated.</summary>
    public const string FKey = "f";

    /// <summary>m of Multi-Krum: the number of updates averaged.</summary>
    public const string MKey = "m";

    /// <summary>s of bucketing: the updates averaged per bucket before the rule (1: no bucketing).</summary>
    public const string BucketKey = "bucket";

    /// <summary>β when <c>beta</c> is absent.</summary>
    public const double DefaultBeta = 0.1;

    /// <summary>The robust strategy names.</summary>
    public static IReadOnlyList<string> Names { get; } = [Median, TrimmedMean, Krum, MultiKrum, CenteredClippingName];

    /// <summary>Whether <paramref name="name"/> is a robust strategy.</summary>
    public static bool IsRobust(string? name) => name is not null && Names.Contains(name, StringComparer.Ordinal);

    /// <summary>The first problem with a robust strategy's parameters (parameter key and reason), or null.</summary>
    /// <param name="name">A robust strategy name.</param>
    /// <param name="parameters">Its parameters.</param>
    /// <param name="minUpdates">The fewest updates a round of the run can commit with (its quorum), ≥ 1.</param>
    public static (string Key, string Reason)? CheckParameters(string name, IReadOnlyDictionary<string, double> parameters, int minUpdates)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var isKrum = name is Krum or MultiKrum;
        foreach (var (key, value) in parameters)
        {
            if (!double.IsFinite(value))
            {
                return (key, $"must be a finite number, not {value}");
            }

            var problem = key switch
            {
                FedAvgStrategy.ServerLearningRateKey or NormBound.MultipleKey => value > 0 ? null : $"must be > 0, not {value}",
                BetaKey when name == TrimmedMean => value is >= 0 and < 0.5 ? null : $"must be in [0, 0.5), not {value}",
                FKey when isKrum => value >= 0 && value == Math.Floor(value) ? null : $"must be an integer ≥ 0, not {value}",
                MKey when name == MultiKrum => value >= 1 && value == Math.Floor(value) ? null : $"must be an integer ≥ 1, not {value}",
                TauKey when name == CenteredClippingName => value > 0 ? null : $"must be > 0 (an L2 radius in the updates' units), not {value}",
                IterationsKey when name == CenteredClippingName => value >= 1 && value == Math.Floor(value) ? null : $"must be an integer ≥ 1, not {value}",
                BucketKey => value >= 1 && value == Math.Floor(value) ? null : $"must be an integer ≥ 1 (1: no bucketing), not {value}",
                _ => $"unknown parameter of '{name}'; known: {string.Join(", ", Known(name))}",
            };
            if (problem is not null)
            {
                return (key, problem);
            }
        }

        if (name == CenteredClippingName && !parameters.ContainsKey(TauKey))
        {
            return (TauKey, $"is required by '{name}' (the clipping radius, an L2 norm in the updates' units)");
        }

        // With bucketing the rule sees the buckets' means, ⌈n/s⌉ of them, in place of the n updates.
        var bucket = parameters.TryGetValue(BucketKey, out var s) ? (int)Math.Min(s, int.MaxValue) : 1;
        var n = Bucketing.Count(minUpdates, bucket);
        var what = bucket > 1 ? $"n = ⌈{minUpdates}/{bucket}⌉ = {n} buckets (the quorum of {minUpdates} updates in buckets of {BucketKey} = {bucket})" : $"n = {minUpdates} updates (the quorum)";
        if (name == TrimmedMean)
        {
            var beta = parameters.GetValueOrDefault(BetaKey, DefaultBeta);
            var cut = TrimmedMeanRule.Cut(beta, n);
            if (2 * cut >= n)
            {
                return (bucket > 1 ? BucketKey : BetaKey, $"trimmed-mean cuts ⌊β·n⌋ = {cut} values per side, which leaves nothing of {what}; needs 2·⌊β·n⌋ < n");
            }
        }

        if (isKrum)
        {
            if (!parameters.TryGetValue(FKey, out var fValue))
            {
                return (FKey, $"is required by '{name}' (the number of bad nodes tolerated)");
            }

            var f = (int)fValue;
            if (n < (2 * f) + 3)
            {
                return bucket > 1
                    ? (BucketKey, $"'{name}' with f = {f} needs n ≥ 2f + 3 = {(2 * f) + 3} values per round, but a round can commit with {what}; lower {BucketKey} or f, or raise minClients/quorum")
                    : (FKey, $"'{name}' with f = {f} needs n ≥ 2f + 3 = {(2 * f) + 3} updates per round, but a round can commit with n = {minUpdates} (the quorum); raise minClients/quorum or lower f");
            }

            if (parameters.TryGetValue(MKey, out var m) && m > n - f)
            {
                return (MKey, $"must be in [1, n − f] = [1, {n - f}] with {what}, not {m}");
            }
        }

        return null;
    }

    /// <summary>Creates the robust strategy a run's config names.</summary>
    /// <param name="settings">The run's strategy settings.</param>
    /// <param name="model">The run's model.</param>
    /// <param name="buffer">Where rounds keep their updates; null: <see cref="UpdateBufferOptions.Default"/>.</param>
    /// <param name="seed">The run's seed (bucketing's shuffle).</param>
    public static RobustStrategy Create(StrategySettings settings, CompiledModel model, UpdateBufferOptions? buffer = null, int seed = 1)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return new RobustStrategy(model, settings.Name, settings.Parameters, buffer, seed);
    }

    private static IEnumerable<string> Known(string name)
    {
        yield return FedAvgStrategy.ServerLearningRateKey;
        yield return NormBound.MultipleKey;
        yield return BucketKey;
        if (name == TrimmedMean)
        {
            yield return BetaKey;
        }

        if (name is Krum or MultiKrum)
        {
            yield return FKey;
        }

        if (name == MultiKrum)
        {
            yield return MKey;
        }

        if (name == CenteredClippingName)
        {
            yield return TauKey;
            yield return IterationsKey;
        }
    }
}
