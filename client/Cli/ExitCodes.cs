namespace Federated.Client.Cli;

/// <summary>The node's process exit codes.</summary>
public static class ExitCodes
{
    /// <summary>Done: the run ended, or the command printed its result.</summary>
    public const int Ok = 0;

    /// <summary>An unexpected failure.</summary>
    public const int Failed = 1;

    /// <summary>Bad or missing options.</summary>
    public const int Usage = 2;

    /// <summary>The data, schema or state directory cannot be used.</summary>
    public const int BadData = 3;

    /// <summary>The coordinator refused the node (token unknown or revoked, no such run).</summary>
    public const int Refused = 4;

    /// <summary>The coordinator stayed unreachable.</summary>
    public const int Unreachable = 5;

    /// <summary>Stopped by Ctrl-C before the run ended (local state saved).</summary>
    public const int Stopped = 130;
}
