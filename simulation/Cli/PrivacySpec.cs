using System.Globalization;
using Federated.Coordinator.Runs;

namespace Federated.Simulation.Cli;

/// <summary>
/// The run config's <c>privacy</c> section from <c>--dp-noise Z --dp-clip S|adaptive --dp-delta D --sample-rate Q</c>.
/// Only the flags' syntax and pairing are checked here; the values are the run config's validation.
/// </summary>
internal static class PrivacySpec
{
    /// <summary>δ when <c>--dp-delta</c> is not given.</summary>
    public const double DefaultDelta = 1e-5;

    /// <summary>
    /// The privacy section the flags ask for (null: none given, privacy off) and the selection fraction the run must use:
    /// q, since each round selects ⌈qN⌉ of the N clients (without Poisson sampling yet).
    /// </summary>
    /// <exception cref="ArgumentException">A flag without the ones it needs, an unreadable clip, or <c>--fraction</c> contradicting <c>--sample-rate</c>.</exception>
    public static (PrivacySettings? Privacy, double? Fraction) FromFlags(double? noise, string? clip, double? delta, double? sampleRate, double? fraction)
    {
        if (noise is null && clip is null && delta is null)
        {
            return sampleRate is null ? (null, fraction) : throw new ArgumentException("--sample-rate needs --dp-noise and --dp-clip (it is the sampling rate the privacy accountant is told)");
        }

        if (noise is null || clip is null)
        {
            throw new ArgumentException("--dp-noise and --dp-clip go together (and with --dp-delta, --sample-rate if given)");
        }

        if (sampleRate is { } q && fraction is { } f && q != f)
        {
            throw new ArgumentException($"--sample-rate {q.ToString(CultureInfo.InvariantCulture)} and --fraction {f.ToString(CultureInfo.InvariantCulture)}: with privacy each client takes part with probability q, the fraction; give one");
        }

        var rate = sampleRate ?? fraction ?? 1;
        var privacy = new PrivacySettings { NoiseMultiplier = noise, Delta = delta ?? DefaultDelta, SampleRate = rate };
        if (clip == "adaptive")
        {
            privacy.Adaptive = new AdaptiveClippingSettings();
        }
        else if (double.TryParse(clip, NumberStyles.Float, CultureInfo.InvariantCulture, out var s))
        {
            privacy.ClipNorm = s;
        }
        else
        {
            throw new ArgumentException($"--dp-clip '{clip}': expected a clip norm (a number) or 'adaptive'");
        }

        // With privacy the engine draws each round's clients by Poisson sampling at q: no fixed fraction is selected.
        return (privacy, null);
    }

    /// <summary>The privacy settings worth printing, e.g. <c>DP-FedAvg: z = 1, clip 0.5, δ = 1e-05, q = 0.1, qN = 10</c>.</summary>
    public static string Describe(Coordinator.Aggregation.Privacy.PrivacyPlan plan)
    {
        var c = CultureInfo.InvariantCulture;
        var clip = plan.Adaptive is { } a
            ? string.Create(c, $"adaptive from S₀ = {plan.InitialClip:G4} (γ = {a.TargetQuantile:G4}, η_C = {a.LearningRate:G4}, σ_b = {a.CountNoise:G4}; z_Δ = {plan.UpdateNoiseMultiplier:G6})")
            : string.Create(c, $"S = {plan.InitialClip:G6}");
        return string.Create(c, $"DP-FedAvg: z = {plan.NoiseMultiplier:G6}, clip {clip}, δ = {plan.Delta:G4}, q = {plan.SampleRate:G4}, qN = {plan.ExpectedClients:G6}");
    }
}
