namespace Federated.Coordinator.Dashboard;

/// <summary>Log messages of the dashboard (event ids 5000–5099).</summary>
internal static partial class DashboardLog
{
    [LoggerMessage(5000, LogLevel.Information, "Dashboard listening on {Address}")]
    public static partial void Listening(ILogger logger, string address);

    [LoggerMessage(5001, LogLevel.Information, "Dashboard sign-in as {Role} from {Remote}")]
    public static partial void SignedIn(ILogger logger, string role, string remote);

    [LoggerMessage(5002, LogLevel.Warning, "Dashboard sign-in refused from {Remote}: wrong token")]
    public static partial void SignInRefused(ILogger logger, string remote);

    [LoggerMessage(5003, LogLevel.Information, "Dashboard: {Action} of run {RunId}")]
    public static partial void RunChanged(ILogger logger, string action, string runId);

    [LoggerMessage(5004, LogLevel.Information, "Dashboard: token issued to node {NodeId}")]
    public static partial void TokenIssued(ILogger logger, string nodeId);

    [LoggerMessage(5005, LogLevel.Information, "Dashboard: token of node {NodeId} revoked")]
    public static partial void TokenRevoked(ILogger logger, string nodeId);
}
