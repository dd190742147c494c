namespace Federated.Coordinator.Runs;

/// <summary>What happens to a round whose deadline passes with fewer updates than the quorum.</summary>
public enum NoQuorumPolicy
{
    /// <summary>Start a new round from the same version, up to <see cref="RunConfig.MaxRetries"/> times in a row.</summary>
    Retry,

    /// <summary>Fail the run.</summary>
    Fail,
}
