namespace Federated.Client.Cli;

/// <summary>An option is missing or has a bad value; the message names it and where else it may come from.</summary>
public sealed class UsageException : Exception
{
    /// <summary>Creates the exception.</summary>
    public UsageException(string message)
        : base(message)
    {
    }
}
