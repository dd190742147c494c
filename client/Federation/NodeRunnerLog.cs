using Microsoft.Extensions.Logging;

namespace Federated.Client.Federation;

/// <summary>The node loop's log messages (event ids 6000–6099).</summary>
internal static partial class NodeRunnerLog
{
    [LoggerMessage(EventId = 6000, Level = LogLevel.Information, Message = "Joined run {RunId} as node {NodeId} at model version {ModelVersion}")]
    public static partial void Joined(ILogger logger, string runId, string nodeId, long modelVersion);

    [LoggerMessage(EventId = 6001, Level = LogLevel.Information, Message = "Resuming from local state of round {Round} (model version {ModelVersion})")]
    public static partial void Resumed(ILogger logger, long round, long? modelVersion);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Information, Message = "Downloaded model version {ModelVersion}")]
    public static partial void Downloaded(ILogger logger, long modelVersion);

    [LoggerMessage(EventId = 6003, Level = LogLevel.Information, Message = "Round {Round}: trained from version {ModelVersion} on {Examples} examples, {Steps} steps, update norm {Norm:G4}; {Metrics}")]
    public static partial void Trained(ILogger logger, long round, long modelVersion, int examples, long steps, double norm, string metrics);

    [LoggerMessage(EventId = 6004, Level = LogLevel.Information, Message = "Round {Round}: update {UploadId} accepted (already counted: {Duplicate})")]
    public static partial void Submitted(ILogger logger, long round, string uploadId, bool duplicate);

    [LoggerMessage(EventId = 6005, Level = LogLevel.Information, Message = "Version {ModelVersion} on local validation data: {Metrics}")]
    public static partial void Evaluated(ILogger logger, long modelVersion, string metrics);

    [LoggerMessage(EventId = 6006, Level = LogLevel.Warning, Message = "The coordinator refused {What} ({Reason}): {Detail}")]
    public static partial void Rejected(ILogger logger, string what, string reason, string detail);

    [LoggerMessage(EventId = 6007, Level = LogLevel.Warning, Message = "{What} failed, retry {Attempt} in {Delay}: {Detail}")]
    public static partial void Retrying(ILogger logger, string what, int attempt, TimeSpan delay, string detail);

    [LoggerMessage(EventId = 6008, Level = LogLevel.Information, Message = "Run {RunId} ended at model version {ModelVersion}; {Rounds} rounds trained by this process")]
    public static partial void RunEnded(ILogger logger, string runId, long modelVersion, int rounds);

    [LoggerMessage(EventId = 6009, Level = LogLevel.Information, Message = "Stopped on request; local state is saved up to round {Round}")]
    public static partial void Stopped(ILogger logger, long? round);

    [LoggerMessage(EventId = 6010, Level = LogLevel.Warning, Message = "Could not leave run {RunId}: {Detail}")]
    public static partial void LeaveFailed(ILogger logger, string runId, string detail);

    [LoggerMessage(EventId = 6011, Level = LogLevel.Warning, Message = "Started afresh: the previous state files were moved to {Directory}")]
    public static partial void Discarded(ILogger logger, string directory);

    [LoggerMessage(EventId = 6013, Level = LogLevel.Information, Message = "Round {Round}: label statistics of {Tasks} shared tasks sent, nothing trained (already counted: {Duplicate})")]
    public static partial void LabelStatisticsSubmitted(ILogger logger, long round, int tasks, bool duplicate);

    [LoggerMessage(EventId = 6012, Level = LogLevel.Information, Message = "Data changed: {RowsBefore} → {RowsAfter} rows ({TrainBefore} → {TrainAfter} training rows); training on it from round {Round}")]
    public static partial void DataChanged(ILogger logger, int rowsBefore, int rowsAfter, int trainBefore, int trainAfter, long round);
}
