using System.Collections;
using Federated.Client.Cli;
using Federated.Client.Federation;
using Microsoft.Extensions.Logging.Abstractions;
using Spectre.Console;

namespace Federated.Client.Tests.Cli;

/// <summary>Runs the node's command line in-process with a captured console and a given appsettings directory and environment.</summary>
public sealed class CliHarness
{
    private readonly StringWriter _output = new();

    /// <param name="settingsDirectory">Where appsettings.json is read from; none when null.</param>
    /// <param name="environment">The environment variables; none when null.</param>
    /// <param name="connect">Opens the connection to the coordinator; real gRPC when null.</param>
    public CliHarness(string? settingsDirectory = null, IDictionary? environment = null, Func<Uri, string, GrpcConnectionOptions, ICoordinatorConnection>? connect = null)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Out = new AnsiConsoleOutput(_output),
        });
        // As the program does when its output is not a terminal: one line per message, never wrapped.
        console.Profile.Width = 1000;
        CommandLine = new NodeCommandLine(console, NodeConfiguration.Build(settingsDirectory is null ? [] : [settingsDirectory], environment ?? new Hashtable()), NullLoggerFactory.Instance, connect is null ? null : Quick, connect);
    }

    public NodeCommandLine CommandLine { get; }

    public string Output => _output.ToString();

    public Task<int> RunAsync(params string[] args) => CommandLine.InvokeAsync(args);

    public Task<int> RunAsync(CancellationToken stoppingToken, params string[] args) => CommandLine.InvokeAsync(args, stoppingToken);

    /// <summary>The lines the command line wrote that start with "error:".</summary>
    public IReadOnlyList<string> Errors => [.. Output.Split('\n').Where(l => l.StartsWith("error:", StringComparison.Ordinal))];

    /// <summary>No waiting between polls and retries, for a scripted coordinator that answers at once.</summary>
    private static NodeRunnerOptions Quick(NodeRunnerOptions options) => options with
    {
        Delay = (_, ct) =>
        {
            ct.ThrowIfCancellationRequested();
            return Task.CompletedTask;
        },
        Jitter = () => 0.5,
    };
}
