namespace Federated.Coordinator.Rounds;

/// <summary>Why a node request (join, poll, update, evaluation) was rejected; each maps to its own gRPC status and message.</summary>
public enum Rejection
{
    /// <summary>No enrolled node has that id.</summary>
    UnknownNode,

    /// <summary>The node's token was revoked.</summary>
    NodeRevoked,

    /// <summary>The update names another node than the one that is authenticated.</summary>
    NodeMismatch,

    /// <summary>No run has that id.</summary>
    UnknownRun,

    /// <summary>The run is stopped, completed or failed.</summary>
    RunNotActive,

    /// <summary>The node was not selected for the round.</summary>
    NotSelected,

    /// <summary>The round is closed (or none is open).</summary>
    StaleRound,

    /// <summary>The round has not started.</summary>
    FutureRound,

    /// <summary>The base version is older than the round's.</summary>
    StaleBaseVersion,

    /// <summary>The base version is newer than the round's.</summary>
    FutureBaseVersion,

    /// <summary>The node already had another upload accepted in this round.</summary>
    AlreadySubmitted,

    /// <summary>An expected shared tensor is absent.</summary>
    MissingTensor,

    /// <summary>A tensor is unknown, local, or repeated.</summary>
    UnexpectedTensor,

    /// <summary>A tensor has the wrong number of values, or a non-embedding tensor was sent sparse.</summary>
    WrongShape,

    /// <summary>A sparse row id is outside the table, or rows are not ascending and distinct.</summary>
    RowOutOfRange,

    /// <summary>A value is NaN or infinite.</summary>
    NonFinite,

    /// <summary>The update's L2 norm exceeds the run's clip bound.</summary>
    NormTooLarge,

    /// <summary>
    /// The example counts are not positive, a task's count is negative or exceeds them, names an unknown task, or is
    /// missing for a task that has shared tensors.
    /// </summary>
    InvalidExampleCount,

    /// <summary>A metric summary is malformed or names an unknown task.</summary>
    InvalidMetrics,

    /// <summary>The upload does not follow the chunk protocol (header first, known tensors, contiguous chunks, no upload id).</summary>
    MalformedUpload,

    /// <summary>The model version existed but is no longer stored (the coordinator keeps the last versions and the marked ones).</summary>
    VersionNotStored,

    /// <summary>The node has not joined the run (Join or WaitForAssignment), so it may not download its model nor evaluate it.</summary>
    NotJoined,

    /// <summary>
    /// The request does not fit the run's aggregation: a plain update for a run with secure aggregation, or a
    /// secure-aggregation message for a run without it (or for a round that is not secure).
    /// </summary>
    SecureAggregationMismatch,

    /// <summary>
    /// A secure-aggregation message the protocol refuses: a phase that is not open yet, a party that is not the sender's
    /// or has no part in the phase (it missed an earlier one), a wrong size, a key that is not a P-256 point, a bundle for a
    /// party that is not a neighbour, or shares other than those requested.
    /// </summary>
    SecureAggregationRefused,

    /// <summary>
    /// The request does not fit the round: label statistics for a round that trains, or an update for a label-statistics
    /// round (the run's first round when a shared head starts its output bias from data).
    /// </summary>
    LabelStatisticsMismatch,

    /// <summary>
    /// Label statistics that cannot count: not exactly the tasks the assignment lists (each once), a count below 0 or above
    /// the coordinator's limit, a sum that is not finite, a binary sum outside [0, count], a sum other than 0 with count 0,
    /// or a merge with the round's statistics that would exceed 2^53 labelled examples or overflow the sum.
    /// </summary>
    InvalidLabelStatistics,
}
