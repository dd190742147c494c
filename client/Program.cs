using Federated.Client.Cli;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Spectre.Console;

// The client node: `run`, `evaluate`, `recommend` (see README). The first Ctrl-C stops after the current step and
// leaves the run; a second one ends the process at once (local state is written atomically either way).
var configuration = NodeConfiguration.Build([AppContext.BaseDirectory, Directory.GetCurrentDirectory()]);
using var loggerFactory = LoggerFactory.Create(logging => logging
    .AddConfiguration(configuration.GetSection("Logging"))
    .AddSimpleConsole(console => console.SingleLine = true));
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    if (!stop.IsCancellationRequested)
    {
        e.Cancel = true;
        AnsiConsole.MarkupLine("[yellow]Stopping after the current step (Ctrl-C again to quit at once)...[/]");
        stop.Cancel();
    }
};

// Written to a file or a pipe, a line is one event: not wrapped at the 80 columns Spectre assumes without a terminal.
if (Console.IsOutputRedirected)
{
    AnsiConsole.Profile.Width = 1000;
}

var commandLine = new NodeCommandLine(AnsiConsole.Console, configuration, loggerFactory);
return await commandLine.InvokeAsync(args, stop.Token);
