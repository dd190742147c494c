using System.Net;

namespace Federated.Coordinator.Bulk;

/// <summary>Log messages of the bulk upload listener (event ids 2100–2199).</summary>
internal static partial class BulkUploadLog
{
    [LoggerMessage(2100, LogLevel.Information, "Bulk uploads listening on {Address}:{Port} ({Transport})")]
    public static partial void Listening(ILogger logger, IPAddress address, int port, string transport);

    [LoggerMessage(2101, LogLevel.Warning, "Bulk connection from {Remote} closed: {Limit} connections are open already (BulkUpload:MaxConnections)")]
    public static partial void TooManyConnections(ILogger logger, EndPoint? remote, int limit);

    [LoggerMessage(2102, LogLevel.Warning, "Bulk connection from {Remote} refused: {Reason}")]
    public static partial void ConnectionRefused(ILogger logger, EndPoint? remote, string reason);

    [LoggerMessage(2103, LogLevel.Warning, "Bulk upload of node {NodeId} refused ({Reason}): {Detail}")]
    public static partial void UploadRefused(ILogger logger, string nodeId, string reason, string detail);

    [LoggerMessage(2104, LogLevel.Warning, "Bulk upload of node {NodeId} broke off, nothing counted: {Detail}")]
    public static partial void UploadBrokenOff(ILogger logger, string nodeId, string detail);

    [LoggerMessage(2105, LogLevel.Error, "Bulk upload of node {NodeId} failed")]
    public static partial void UploadFailed(ILogger logger, string nodeId, Exception exception);

    [LoggerMessage(2106, LogLevel.Warning, "Bulk listener could not accept a connection: {Detail}")]
    public static partial void AcceptFailed(ILogger logger, string detail);
}
