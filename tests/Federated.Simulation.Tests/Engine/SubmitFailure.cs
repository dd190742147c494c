namespace Federated.Simulation.Tests.Engine;

/// <summary>How <see cref="FlakySubmitHost"/> fails the first upload.</summary>
public enum SubmitFailure
{
    /// <summary>The coordinator is unreachable: the upload never arrives.</summary>
    Unreachable,

    /// <summary>The upload is counted, but its reply is lost.</summary>
    LostReply,

    /// <summary>The coordinator refuses the update.</summary>
    Refused,
}
