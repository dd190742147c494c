namespace Federated.Client.Federation;

/// <summary>Why a node leaves a run; the coordinator logs it (<c>federated.v1.LeaveReason</c> on the wire).</summary>
public enum LeaveReason
{
    /// <summary>Not said (an older node).</summary>
    Unspecified = 0,

    /// <summary>The run ended and the node evaluated its final version.</summary>
    RunEnded,

    /// <summary>The node's operator stopped it (Ctrl-C); it may come back with the same state.</summary>
    Stopped,

    /// <summary>The node failed after joining (its data does not fit the run's model, its state is of another run, …).</summary>
    Error,
}
