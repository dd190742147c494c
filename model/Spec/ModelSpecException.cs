namespace Federated.Model.Spec;

/// <summary>A model spec that cannot be used; <see cref="Key"/> is the JSON path of the offending value.</summary>
public sealed class ModelSpecException : Exception
{
    /// <summary>Creates the exception for a key and a reason.</summary>
    public ModelSpecException(string key, string reason, Exception? inner = null)
        : base($"model spec: {key}: {reason}", inner)
    {
        Key = key;
    }

    /// <summary>JSON path of the offending value, e.g. <c>tasks[1].tower</c>.</summary>
    public string Key { get; }
}
