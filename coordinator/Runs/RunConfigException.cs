using System.Text.Json;

namespace Federated.Coordinator.Runs;

/// <summary>A run config that cannot be used; <see cref="Key"/> is the JSON path of the offending value.</summary>
public sealed class RunConfigException : Exception
{
    /// <summary>Creates the exception for a key and a reason.</summary>
    public RunConfigException(string key, string reason, Exception? inner = null)
        : base($"run config: {key}: {reason}", inner)
    {
        Key = key;
    }

    /// <summary>JSON path of the offending value, e.g. <c>training.batchSize</c>.</summary>
    public string Key { get; }

    /// <summary>
    /// The refusal of a JSON reading error at <paramref name="path"/>, in the user's terms: an unknown key says so (not
    /// which .NET type lacks it), other messages lose System.Text.Json's trailing path (the key already names it).
    /// </summary>
    internal static RunConfigException FromJson(string path, JsonException e)
    {
        var message = e.Message;
        if (message.Contains("could not be mapped to any .NET member", StringComparison.Ordinal))
        {
            return new RunConfigException(path, "is not a key of the run config (keys are camelCase, as in the README)", e);
        }

        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return new RunConfigException(path, cut > 0 ? message[..cut] : message, e);
    }
}
