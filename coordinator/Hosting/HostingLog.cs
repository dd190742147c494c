namespace Federated.Coordinator.Hosting;

/// <summary>Log messages of the host and storage (event ids 3000–3099).</summary>
internal static partial class HostingLog
{
    [LoggerMessage(3000, LogLevel.Information, "State in {DatabasePath}")]
    public static partial void StoreOpened(ILogger logger, string databasePath);

    [LoggerMessage(3001, LogLevel.Warning, "No Coordinator:AdminToken configured; generated one in {TokenPath}")]
    public static partial void AdminTokenGenerated(ILogger logger, string tokenPath);

    [LoggerMessage(3002, LogLevel.Information, "Admin token read from {TokenPath}")]
    public static partial void AdminTokenRead(ILogger logger, string tokenPath);

    [LoggerMessage(3003, LogLevel.Error, "Round ticker failed")]
    public static partial void TickFailed(ILogger logger, Exception exception);
}
