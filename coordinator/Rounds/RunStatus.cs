namespace Federated.Coordinator.Rounds;

/// <summary>The life of a run.</summary>
public enum RunStatus
{
    /// <summary>Rounds start as nodes are available.</summary>
    Running,

    /// <summary>No new round starts; an open round still collects updates.</summary>
    Paused,

    /// <summary>Every configured round committed, or as many as the privacy budget (<c>privacy.targetEpsilon</c>) allows.</summary>
    Completed,

    /// <summary>Stopped by an operator.</summary>
    Stopped,

    /// <summary>Too many rounds in a row ended without quorum.</summary>
    Failed,
}
