namespace Federated.Coordinator.Rounds;

/// <summary>The answer to a node asking for work: an assignment, nothing yet, or the end of the run.</summary>
/// <param name="Assignment">Set when the node has work.</param>
/// <param name="RunStatus">The run's state.</param>
public sealed record AssignmentPoll(Assignment? Assignment, RunStatus RunStatus)
{
    /// <summary>True when the run is completed, stopped or failed.</summary>
    public bool RunEnded => RunStatus is RunStatus.Completed or RunStatus.Stopped or RunStatus.Failed;
}
