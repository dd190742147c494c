namespace Federated.Client.Federation;

/// <summary>The answer to a wait for an assignment.</summary>
public enum AssignmentStatus
{
    /// <summary>The node is selected for a round: train it.</summary>
    Assigned,

    /// <summary>Nothing yet (not selected, or between rounds): wait again.</summary>
    Wait,

    /// <summary>The run has finished, failed or been stopped: leave.</summary>
    RunEnded,
}
