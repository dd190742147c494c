namespace Federated.Simulation.Cli;

/// <summary>The console width used when output goes to a file or a pipe: wide enough that no table line is wrapped.</summary>
internal static class ConsoleWidth
{
    /// <summary>Columns assumed for redirected output.</summary>
    public const int Redirected = 1000;
}
