using System.Security.Cryptography;

namespace Federated.Coordinator.Hosting;

/// <summary>Finds the admin token: the configured one, or one generated once and kept beside the database.</summary>
internal static class AdminTokenSource
{
    public static string Resolve(CoordinatorOptions options, string databasePath, ILogger logger)
    {
        if (!string.IsNullOrEmpty(options.AdminToken))
        {
            return options.AdminToken;
        }

        var path = databasePath == ":memory:" ? Path.Combine(Path.GetTempPath(), "federated-coordinator.admin-token") : databasePath + ".admin-token";
        if (File.Exists(path))
        {
            HostingLog.AdminTokenRead(logger, path);
            return File.ReadAllText(path).Trim();
        }

        var token = "fat_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        File.WriteAllText(path, token + Environment.NewLine);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        HostingLog.AdminTokenGenerated(logger, path);
        return token;
    }
}
