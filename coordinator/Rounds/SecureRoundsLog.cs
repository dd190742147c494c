namespace Federated.Coordinator.Rounds;

/// <summary>Log messages of secure-aggregation rounds (event ids 1100–1199).</summary>
internal static partial class SecureRoundsLog
{
    [LoggerMessage(1100, LogLevel.Information, "Run {RunId} round {Round}: secure aggregation over {Parties} parties, threshold {Threshold}, neighbours {Neighbours}, vector of {Length} elements")]
    public static partial void Started(ILogger logger, string runId, long round, int parties, int threshold, int neighbours, int length);

    [LoggerMessage(1101, LogLevel.Information, "Run {RunId} round {Round}: secure-aggregation phase {Phase} closed with {Answered} of {Expected} parties")]
    public static partial void PhaseClosed(ILogger logger, string runId, long round, string phase, int answered, int expected);

    [LoggerMessage(1102, LogLevel.Warning, "Run {RunId} round {Round}: secure aggregation failed: {Reason}")]
    public static partial void Failed(ILogger logger, string runId, long round, string reason);

    [LoggerMessage(1103, LogLevel.Information, "Run {RunId} round {Round}: secure aggregation unmasked the sum of {Contributors} updates")]
    public static partial void Unmasked(ILogger logger, string runId, long round, int contributors);
}
