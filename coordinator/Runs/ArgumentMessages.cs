namespace Federated.Coordinator.Runs;

/// <summary>The text of an argument error as a person should read it: what is wrong with their input, not which C# parameter.</summary>
internal static class ArgumentMessages
{
    /// <summary>
    /// <paramref name="e"/>'s message up to .NET's " (Parameter 'x')" suffix, which names a C# parameter (and, for an
    /// <see cref="ArgumentOutOfRangeException"/>, precedes an "Actual value was …" line); the whole message without one.
    /// </summary>
    public static string WithoutParameterName(ArgumentException e)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (e.ParamName is null)
        {
            return e.Message;
        }

        var at = e.Message.IndexOf($" (Parameter '{e.ParamName}')", StringComparison.Ordinal);
        return at < 0 ? e.Message : e.Message[..at];
    }
}
