namespace Federated.Model.Spec;

/// <summary>
/// The ESMM relation (Ma et al. 2018) between two binary tasks: the conversion task predicts
/// p(conversion) = p(click) · p(conversion | click), its own tower giving the conditional factor,
/// so that it trains on all examples and not only on clicked ones.
/// </summary>
public sealed record EsmmSpec
{
    /// <summary>Name of the click (CTR) task.</summary>
    public string Click { get; init; } = "";

    /// <summary>Name of the conversion (CTCVR) task.</summary>
    public string Conversion { get; init; } = "";
}
