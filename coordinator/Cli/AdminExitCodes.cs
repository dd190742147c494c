namespace Federated.Coordinator.Cli;

/// <summary>The exit codes of <c>coordinator admin</c> (the README's table; each is pinned by a test).</summary>
internal static class AdminExitCodes
{
    /// <summary>Done; for <c>watch --run R</c>, run R ended (completed, stopped or failed).</summary>
    public const int Done = 0;

    /// <summary>An unexpected failure.</summary>
    public const int Unexpected = 1;

    /// <summary>A bad or missing option or verb, a bad URL, no admin token, or a --config file that is missing, unreadable or not JSON.</summary>
    public const int BadUsage = 2;

    /// <summary>The coordinator refused the request: wrong admin token, unknown run or node, no such version, an invalid run config, a run in the wrong state.</summary>
    public const int Refused = 4;

    /// <summary>The coordinator could not be reached, or the connection to it was lost.</summary>
    public const int Unreachable = 5;

    /// <summary>Stopped by Ctrl-C (not for <c>watch</c>, where Ctrl-C is the normal end).</summary>
    public const int Stopped = 130;
}
