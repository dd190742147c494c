namespace Federated.Coordinator.Cli;

/// <summary>The operator command line (filled in below).</summary>
internal static class AdminCommand
{
    public static Task<int> RunAsync(string[] args) => Task.FromResult(args.Length);
}
