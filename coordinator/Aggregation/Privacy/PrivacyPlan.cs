using System.Globalization;
using Federated.Coordinator.Aggregation.Robust;
using Federated.Coordinator.Privacy;
using Federated.Coordinator.Runs;

namespace Federated.Coordinator.Aggregation.Privacy;

/// <summary>
/// The numbers of a private run, resolved from its config's <c>privacy</c> section (<see cref="From"/>): the noise
/// multiplier z the accountant is told (given, or calibrated to the target ε over the run's rounds or <c>calibrationRounds</c>), the multiplier
/// z_Δ of the update's noise, δ, q, the fixed denominator qN and the clip rule.
/// </summary>
/// <param name="NoiseMultiplier">z, composed by the accountant every round.</param>
/// <param name="UpdateNoiseMultiplier">z_Δ: the sum's noise is N(0, (z_Δ·S)²); z without adaptive clipping.</param>
/// <param name="Delta">δ of the reported (ε, δ).</param>
/// <param name="SampleRate">q.</param>
/// <param name="ExpectedClients">qN, the denominator of every round's mean, whoever answered.</param>
/// <param name="InitialClip">S of the first round (the fixed S without adaptive clipping).</param>
/// <param name="Adaptive">Adaptive clipping, or null for a fixed S.</param>
/// <param name="TargetEpsilon">The config's <c>targetEpsilon</c>, or null when z was given.</param>
/// <param name="ComposeWith">The runs whose spending the run's accountant starts from (<c>composeWith</c>); empty for none.</param>
public sealed record PrivacyPlan(
    double NoiseMultiplier,
    double UpdateNoiseMultiplier,
    double Delta,
    double SampleRate,
    double ExpectedClients,
    double InitialClip,
    AdaptiveClippingPlan? Adaptive,
    double? TargetEpsilon = null,
    IReadOnlyList<string>? ComposeWith = null)
{
    /// <summary>The most runs <c>composeWith</c> may name.</summary>
    public const int MaxComposedRuns = 16;

    /// <summary>The plan of <paramref name="config"/>, or null when it has no <c>privacy</c> section.</summary>
    /// <exception cref="RunConfigException">A privacy key out of range, missing, contradicting another, or a strategy privacy cannot stand in front of.</exception>
    public static PrivacyPlan? From(RunConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (config.Privacy is not { } p)
        {
            return null;
        }

        CheckStrategy(config.Strategy);
        CheckSelection(config);
        var delta = p.Delta ?? throw Fail("delta", "is required, in (0, 1) (e.g. 1e-5, or below 1/N for N clients)");
        if (!(delta > 0 && delta < 1))
        {
            throw Fail("delta", $"must be in (0, 1), not {Format(delta)}");
        }

        var q = p.SampleRate ?? throw Fail("sampleRate", "is required, in (0, 1]: the probability that a node takes part in a round");
        if (!(q > 0 && q <= 1))
        {
            throw Fail("sampleRate", $"must be in (0, 1], not {Format(q)}");
        }

        var expected = p.ExpectedClients ?? config.NodesPerRound
            ?? throw Fail("expectedClients", "is required unless nodesPerRound is set: the mean's denominator qN must not depend on who answers");
        if (!(expected > 0) || !double.IsFinite(expected))
        {
            throw Fail("expectedClients", $"must be a finite number > 0, not {Format(expected)}");
        }

        var clip = Clip(p);
        var z = NoiseMultiplierOf(p, delta, q, config.Rounds);
        AdaptiveClippingPlan? adaptive = null;
        var zUpdate = z;
        if (p.Adaptive is { } a)
        {
            var countNoise = a.CountNoise ?? expected / 20;
            if (!(countNoise > 0) || !double.IsFinite(countNoise))
            {
                throw Fail("adaptive.countNoise", $"must be a finite number > 0, not {Format(countNoise)}");
            }

            if (z >= 2 * countNoise)
            {
                throw Fail("adaptive.countNoise", $"must exceed z / 2 = {Format(z / 2)} (z = {Format(z)}), or the clipped count's release alone costs the whole budget; it is {Format(countNoise)}{(a.CountNoise is null ? " (expectedClients / 20)" : "")}");
            }

            zUpdate = AdaptiveClippingNoise.UpdateNoiseMultiplier(z, countNoise);
            adaptive = new AdaptiveClippingPlan(a.TargetQuantile, a.LearningRate, countNoise);
        }

        return new PrivacyPlan(z, zUpdate, delta, q, expected, clip, adaptive, p.TargetEpsilon, ComposedRuns(p.ComposeWith));
    }

    private static void CheckStrategy(StrategySettings? strategy)
    {
        if (strategy is null)
        {
            return;
        }

        if (RobustStrategies.IsRobust(strategy.Name))
        {
            throw new RunConfigException("strategy.name", $"'{strategy.Name}' cannot be used with privacy: its sensitivity is not the clipped sum's (use fedavg or a server optimiser)");
        }

        if (strategy.Parameters?.ContainsKey(NormBound.MultipleKey) == true)
        {
            throw new RunConfigException("strategy.parameters." + NormBound.MultipleKey, "cannot be used with privacy: the clip norm already bounds every update, and a bound taken from the round's median is not private");
        }
    }

    private static IReadOnlyList<string> ComposedRuns(IReadOnlyList<string>? runs)
    {
        if (runs is null)
        {
            return [];
        }

        if (runs.Count > MaxComposedRuns)
        {
            throw Fail("composeWith", $"names {runs.Count} runs; at most {MaxComposedRuns}");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var run in runs)
        {
            if (string.IsNullOrEmpty(run) || run.Length > 128)
            {
                throw Fail("composeWith", "every entry must be a run id of 1 to 128 characters");
            }

            if (!seen.Add(run))
            {
                throw Fail("composeWith", $"names run '{run}' twice");
            }
        }

        return [.. runs];
    }

    private static void CheckSelection(RunConfig config)
    {
        if (config.FractionPerRound is not null)
        {
            throw new RunConfigException("fractionPerRound", "cannot be used with privacy: nodes are drawn by Poisson sampling at privacy.sampleRate (remove fractionPerRound)");
        }

        if (config.Quorum is not null)
        {
            throw new RunConfigException("quorum", "cannot be used with privacy: a private round commits whatever its Poisson sample sent, since the accountant counts every sampled round (remove quorum)");
        }
    }

    private static double Clip(PrivacySettings p)
    {
        if (p.ClipNorm is not null && p.Adaptive is not null)
        {
            throw Fail("clipNorm", "set either 'clipNorm' or 'adaptive', not both");
        }

        if (p.ClipNorm is { } s)
        {
            return s > 0 && double.IsFinite(s) ? s : throw Fail("clipNorm", $"must be a finite number > 0, not {Format(s)}");
        }

        if (p.Adaptive is not { } a)
        {
            throw Fail("clipNorm", "is required: a fixed clip norm S > 0, or an 'adaptive' section instead");
        }

        if (!(a.InitialClip > 0) || !double.IsFinite(a.InitialClip))
        {
            throw Fail("adaptive.initialClip", $"must be a finite number > 0, not {Format(a.InitialClip)}");
        }

        if (!(a.TargetQuantile >= 0 && a.TargetQuantile <= 1))
        {
            throw Fail("adaptive.targetQuantile", $"must be in [0, 1], not {Format(a.TargetQuantile)}");
        }

        if (!(a.LearningRate > 0) || !double.IsFinite(a.LearningRate))
        {
            throw Fail("adaptive.learningRate", $"must be a finite number > 0, not {Format(a.LearningRate)}");
        }

        return a.InitialClip;
    }

    private static double NoiseMultiplierOf(PrivacySettings p, double delta, double q, int rounds)
    {
        if (p.NoiseMultiplier is not null && p.TargetEpsilon is not null)
        {
            throw Fail("noiseMultiplier", "set either 'noiseMultiplier' or 'targetEpsilon', not both");
        }

        if (p.CalibrationRounds is { } calibrationRounds)
        {
            if (p.TargetEpsilon is null)
            {
                throw Fail("calibrationRounds", "is only used with 'targetEpsilon' (z is calibrated for that many rounds)");
            }

            if (calibrationRounds < 1)
            {
                throw Fail("calibrationRounds", $"must be at least 1, not {calibrationRounds}");
            }

            rounds = calibrationRounds;
        }

        if (p.NoiseMultiplier is { } z)
        {
            return z > 0 && double.IsFinite(z) ? z : throw Fail("noiseMultiplier", $"must be a finite number > 0, not {Format(z)}");
        }

        if (p.TargetEpsilon is not { } epsilon)
        {
            throw Fail("noiseMultiplier", "is required: a noise multiplier z > 0, or 'targetEpsilon' instead");
        }

        if (!(epsilon > 0) || !double.IsFinite(epsilon))
        {
            throw Fail("targetEpsilon", $"must be a finite number > 0, not {Format(epsilon)}");
        }

        try
        {
            return NoiseCalibration.NoiseMultiplierFor(epsilon, delta, q, Math.Max(1, rounds)).NoiseMultiplier;
        }
        catch (ArgumentException e)
        {
            throw Fail("targetEpsilon", ArgumentMessages.WithoutParameterName(e));
        }
    }

    private static RunConfigException Fail(string key, string reason) => new("privacy." + key, reason);

    private static string Format(double value) => value.ToString("G", CultureInfo.InvariantCulture);
}

/// <summary>The adaptive clip rule of a private run.</summary>
/// <param name="TargetQuantile">γ.</param>
/// <param name="LearningRate">η_C.</param>
/// <param name="CountNoise">σ_b, the noise on the clipped count.</param>
public sealed record AdaptiveClippingPlan(double TargetQuantile, double LearningRate, double CountNoise);
