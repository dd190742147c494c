namespace Federated.Coordinator.Rounds;

/// <summary>What happened.</summary>
public enum RoundEventKind
{
    /// <summary>A round opened and its nodes were selected.</summary>
    RoundStarted,

    /// <summary>An update was folded into the aggregate.</summary>
    UpdateAccepted,

    /// <summary>An update was rejected.</summary>
    UpdateRejected,

    /// <summary>A round was aggregated and its version stored.</summary>
    RoundCommitted,

    /// <summary>A round ended without quorum.</summary>
    RoundFailed,

    /// <summary>A run was paused, resumed, stopped, completed or failed.</summary>
    RunStateChanged,
}
