using System.Collections;
using Federated.Client.Cli;
using Microsoft.Extensions.Logging.Abstractions;
using Spectre.Console;

namespace Federated.Client.Tests.Cli;

/// <summary>Runs the node's command line in-process with a captured console and a given appsettings directory and environment.</summary>
public sealed class CliHarness
{
    private readonly StringWriter _output = new();

    public CliHarness(string? settingsDirectory = null, IDictionary? environment = null)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Out = new AnsiConsoleOutput(_output),
        });
        console.Profile.Width = 160;
        CommandLine = new NodeCommandLine(console, NodeConfiguration.Build(settingsDirectory is null ? [] : [settingsDirectory], environment ?? new Hashtable()), NullLoggerFactory.Instance);
    }

    public NodeCommandLine CommandLine { get; }

    public string Output => _output.ToString();

    public Task<int> RunAsync(params string[] args) => CommandLine.InvokeAsync(args);
}
