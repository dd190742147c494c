namespace Federated.Coordinator.Grpc;

/// <summary>Log messages of the gRPC adapters (event ids 2000–2099: nodes and operators).</summary>
internal static partial class GrpcLog
{
    [LoggerMessage(2000, LogLevel.Warning, "Node call {Method} refused: {Reason}")]
    public static partial void NodeAuthenticationFailed(ILogger logger, string method, string reason);

    [LoggerMessage(2001, LogLevel.Warning, "Operator call {Method} refused: {Reason}")]
    public static partial void AdminAuthenticationFailed(ILogger logger, string method, string reason);

    [LoggerMessage(2002, LogLevel.Information, "Node {NodeId} joined run {RunId}")]
    public static partial void NodeJoined(ILogger logger, string nodeId, string runId);

    [LoggerMessage(2003, LogLevel.Information, "Token issued to node {NodeId}")]
    public static partial void TokenIssued(ILogger logger, string nodeId);

    [LoggerMessage(2004, LogLevel.Information, "Token of node {NodeId} revoked")]
    public static partial void TokenRevoked(ILogger logger, string nodeId);

    [LoggerMessage(2005, LogLevel.Information, "Node {NodeId} left run {RunId} ({Reason}) {Detail}")]
    public static partial void NodeLeft(ILogger logger, string nodeId, string runId, Federated.Protos.V1.LeaveReason reason, string detail);

    [LoggerMessage(2006, LogLevel.Information, "Version {Version} of run {RunId} marked to keep: {Kept}")]
    public static partial void VersionKeepChanged(ILogger logger, string runId, long version, bool kept);

    [LoggerMessage(2007, LogLevel.Warning, "Call {Method} refused: malformed request message ({Reason})")]
    public static partial void MalformedMessage(ILogger logger, string method, string reason);

    [LoggerMessage(2008, LogLevel.Warning, "Call {Method} refused: a frame declares {Length} bytes, above the limit of {Limit}")]
    public static partial void FrameTooLarge(ILogger logger, string method, long length, int limit);

    [LoggerMessage(2009, LogLevel.Warning, "Upload of node {NodeId} refused: {Reason}")]
    public static partial void UploadRefused(ILogger logger, string nodeId, string reason);
}
