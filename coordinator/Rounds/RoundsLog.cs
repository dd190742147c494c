
namespace Federated.Coordinator.Rounds;

/// <summary>Log messages of the round engine (event ids 1000–1099).</summary>
internal static partial class RoundsLog
{
    [LoggerMessage(1000, LogLevel.Information, "Run {RunId} created ('{Name}', {Rounds} rounds, strategy {Strategy})")]
    public static partial void RunCreated(ILogger logger, string runId, string name, int rounds, string strategy);

    [LoggerMessage(1001, LogLevel.Information, "Run {RunId} round {Round} started from version {Version} with {Count} nodes; deadline {Deadline:O}")]
    public static partial void RoundStarted(ILogger logger, string runId, long round, long version, int count, DateTimeOffset deadline);

    [LoggerMessage(1002, LogLevel.Debug, "Run {RunId} round {Round}: update {UploadId} of node {NodeId} accepted ({Examples} examples)")]
    public static partial void UpdateAccepted(ILogger logger, string runId, long round, string nodeId, string uploadId, long examples);

    [LoggerMessage(1003, LogLevel.Warning, "Update of node {NodeId} for run {RunId} round {Round} rejected ({Reason}): {Message}")]
    public static partial void UpdateRejected(ILogger logger, string nodeId, string runId, long round, Rejection reason, string message);

    [LoggerMessage(1004, LogLevel.Information, "Run {RunId} round {Round} committed version {Version} from {Count} updates")]
    public static partial void RoundCommitted(ILogger logger, string runId, long round, long version, int count);

    [LoggerMessage(1005, LogLevel.Warning, "Run {RunId} round {Round} ended without quorum ({Count} of {Quorum} updates)")]
    public static partial void RoundFailed(ILogger logger, string runId, long round, int count, int quorum);

    [LoggerMessage(1006, LogLevel.Information, "Run {RunId} is now {Status}. {Message}")]
    public static partial void RunStateChanged(ILogger logger, string runId, RunStatus status, string message);

    [LoggerMessage(1007, LogLevel.Information, "Run {RunId} restored at version {Version} ({Status})")]
    public static partial void RunRestored(ILogger logger, string runId, long version, RunStatus status);

    [LoggerMessage(1012, LogLevel.Error, "Run {RunId} could not be restored and is marked failed; other runs are not affected: {Reason}")]
    public static partial void RunNotRestored(ILogger logger, string runId, string reason);

    [LoggerMessage(1008, LogLevel.Information, "Run {RunId} round {Round} reopened after restart; its nodes send their updates again")]
    public static partial void RoundReopened(ILogger logger, string runId, long round);

    [LoggerMessage(1009, LogLevel.Error, "Run {RunId}: a deadline check failed; other runs are not affected and the check is repeated at the next tick")]
    public static partial void TickFailed(ILogger logger, string runId, Exception exception);

    [LoggerMessage(1010, LogLevel.Error, "Run {RunId} round {Round}: storing the new version failed; the round stays open and is committed again at its deadline")]
    public static partial void CommitFailed(ILogger logger, string runId, long round, Exception exception);

    [LoggerMessage(1013, LogLevel.Warning, "Run {RunId} round {Round}: node {NodeId} missed the deadline; it is not selected again until it polls")]
    public static partial void NodeMissedDeadline(ILogger logger, string runId, long round, string nodeId);

    [LoggerMessage(1014, LogLevel.Information, "Run {RunId} round {Round}: node {NodeId} {Cause}, so the round no longer waits for it")]
    public static partial void SlotReleased(ILogger logger, string runId, long round, string nodeId, string cause);

    [LoggerMessage(1011, LogLevel.Warning, "Run {RunId}: deleting old model versions failed; it is tried again after the next commit")]
    public static partial void PruneFailed(ILogger logger, string runId, Exception exception);

    [LoggerMessage(1015, LogLevel.Debug, "Run {RunId} round {Round}: label statistics of node {NodeId} accepted")]
    public static partial void LabelStatisticsAccepted(ILogger logger, string runId, long round, string nodeId);

    [LoggerMessage(1016, LogLevel.Information, "Run {RunId} round {Round}: the shared output bias of task {Task} starts at {Bias} from {Count} labelled examples of {Nodes} nodes")]
    public static partial void OutputBiasFromData(ILogger logger, string runId, long round, string task, float bias, long count, int nodes);

    [LoggerMessage(1017, LogLevel.Warning, "Run {RunId} round {Round}: no node has a label of task {Task}; its shared output bias keeps the spec's {Bias}")]
    public static partial void OutputBiasKept(ILogger logger, string runId, long round, string task, float bias);
}
