namespace Federated.SecureAggregation.Protocol;

/// <summary>What the server has for one party when it asks what to do next in a secure-aggregation round.</summary>
public enum SecAggPhaseKind
{
    /// <summary>Nothing yet: the current phase is still collecting; ask again.</summary>
    Wait,

    /// <summary>Phase 0 closed: here are the neighbours' keys; answer with shared keys.</summary>
    KeyDirectory,

    /// <summary>Phase 1 closed: here are the bundles addressed to you; answer with your masked input.</summary>
    ShareInbox,

    /// <summary>Phase 2 closed: reveal the shares asked for; answer with an unmask response.</summary>
    UnmaskRequest,

    /// <summary>This party's part is over (it answered the last phase, or the round committed).</summary>
    Done,

    /// <summary>The round failed, or went on without this party (it missed a phase); <see cref="SecAggPhaseMessage.Reason"/> says which.</summary>
    Failed,
}
