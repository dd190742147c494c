namespace Federated.Client.Training;

/// <summary>A node's local state file cannot be used (wrong model, wrong format, damaged).</summary>
public sealed class LocalStateException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is wrong, naming the file.</param>
    /// <param name="inner">The cause, if any.</param>
    public LocalStateException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}
