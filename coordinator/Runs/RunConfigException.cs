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
}
