using System.Collections;
using Microsoft.Extensions.Configuration;

namespace Federated.Client.Cli;

/// <summary>
/// The node's configuration: appsettings.json beside the program and in the working directory, then environment
/// variables with the <c>FEDERATED_</c> prefix mapped into the <c>Node</c> section (<c>FEDERATED_TOKEN</c> →
/// <c>Node:Token</c>; <c>__</c> nests, e.g. <c>FEDERATED_LOGGING__LOGLEVEL__DEFAULT</c> → <c>Logging:LogLevel:Default</c>).
/// </summary>
public static class NodeConfiguration
{
    /// <summary>The environment variable prefix.</summary>
    public const string Prefix = "FEDERATED_";

    /// <summary>The configuration section of the node's settings.</summary>
    public const string Section = "Node";

    /// <summary>Builds the configuration.</summary>
    /// <param name="directories">Directories whose appsettings.json is read (each optional), later ones overriding earlier ones.</param>
    /// <param name="environment">Environment variables; the process's when null.</param>
    public static IConfiguration Build(IEnumerable<string> directories, IDictionary? environment = null)
    {
        ArgumentNullException.ThrowIfNull(directories);
        var builder = new ConfigurationBuilder();
        foreach (var directory in directories.Distinct(StringComparer.Ordinal))
        {
            builder.AddJsonFile(Path.Combine(Path.GetFullPath(directory), "appsettings.json"), optional: true, reloadOnChange: false);
        }

        var mapped = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (DictionaryEntry entry in environment ?? Environment.GetEnvironmentVariables())
        {
            if (entry.Key is string name && name.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase))
            {
                var key = name[Prefix.Length..].Replace("__", ":", StringComparison.Ordinal);
                mapped[key.StartsWith("LOGGING:", StringComparison.OrdinalIgnoreCase) ? key : Section + ":" + key] = entry.Value as string;
            }
        }

        builder.AddInMemoryCollection(mapped);
        return builder.Build();
    }
}
