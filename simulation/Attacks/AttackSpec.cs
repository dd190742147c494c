using System.Globalization;

namespace Federated.Simulation.Attacks;

/// <summary>
/// A model-poisoning attack of the simulation, as <c>--attack</c> names it: <c>sign-flip</c>, <c>scale:K</c>,
/// <c>gaussian:SIGMA</c> or <c>label-flip</c>.
/// </summary>
/// <remarks>
/// The first three change what a malicious client uploads: its update goes through the node's update pipeline like an
/// honest one (Δ, then clipping to the plan's bound when there is one) and then through one more step,
/// <see cref="PoisonedUpdate"/>, placed after clipping, because a malicious node does not clip honestly. With a clip
/// bound C, <c>scale:K</c> with K &gt; 1 therefore sends updates of norm up to K·C, which the coordinator's validation
/// refuses. <c>label-flip</c> changes only the malicious clients' training labels (see <see cref="LabelFlip"/>).
/// </remarks>
/// <param name="Kind">The attack.</param>
/// <param name="Parameter">K of <c>scale</c>, σ of <c>gaussian</c>; 0 otherwise.</param>
public sealed record AttackSpec(AttackKind Kind, double Parameter = 0)
{
    /// <summary>The names <see cref="Parse"/> accepts.</summary>
    public const string Syntax = "sign-flip, scale:K, gaussian:SIGMA or label-flip";

    /// <summary>Parses an <c>--attack</c> value.</summary>
    /// <exception cref="ArgumentException">Unknown name, missing or extra parameter, K not finite, σ not finite or ≤ 0.</exception>
    public static AttackSpec Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        var name = colon < 0 ? text : text[..colon];
        var argument = colon < 0 ? null : text[(colon + 1)..];
        switch (name)
        {
            case "sign-flip" when argument is null:
                return new AttackSpec(AttackKind.SignFlip);
            case "label-flip" when argument is null:
                return new AttackSpec(AttackKind.LabelFlip);
            case "scale" when argument is not null:
                var k = Number(argument, "K");
                return new AttackSpec(AttackKind.Scale, k);
            case "gaussian" when argument is not null:
                var sigma = Number(argument, "SIGMA");
                return sigma > 0 ? new AttackSpec(AttackKind.Gaussian, sigma) : throw new ArgumentException($"--attack {text}: SIGMA must be > 0");
            default:
                throw new ArgumentException($"--attack '{text}': expected {Syntax}");
        }

        double Number(string value, string what) =>
            double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) && double.IsFinite(parsed)
                ? parsed
                : throw new ArgumentException($"--attack {text}: {what} '{value}' is not a finite number");
    }

    /// <inheritdoc/>
    public override string ToString() => Kind switch
    {
        AttackKind.SignFlip => "sign-flip",
        AttackKind.Scale => string.Create(CultureInfo.InvariantCulture, $"scale:{Parameter}"),
        AttackKind.Gaussian => string.Create(CultureInfo.InvariantCulture, $"gaussian:{Parameter}"),
        _ => "label-flip",
    };

    /// <summary>Whether the attack changes the uploaded update (rather than the training data).</summary>
    public bool PoisonsUpdates => Kind != AttackKind.LabelFlip;
}
