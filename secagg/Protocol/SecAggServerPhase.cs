namespace Federated.SecureAggregation.Protocol;

/// <summary>Where a <see cref="SecAggServer"/> is: the phase whose messages it accepts, or its end.</summary>
public enum SecAggServerPhase
{
    /// <summary>Collecting key advertisements (U1).</summary>
    AdvertiseKeys,

    /// <summary>Collecting sealed share bundles (U2).</summary>
    ShareKeys,

    /// <summary>Collecting masked inputs (U3).</summary>
    MaskedInput,

    /// <summary>Collecting unmasking shares (U4).</summary>
    Unmasking,

    /// <summary>The sum was returned.</summary>
    Finished,

    /// <summary>Fewer than t parties remained; the round is over without a result.</summary>
    Aborted,
}
