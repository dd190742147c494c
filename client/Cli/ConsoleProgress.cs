using System.Globalization;
using Federated.Client.Federation;
using Spectre.Console;

namespace Federated.Client.Cli;

/// <summary>Prints a node's progress as one timestamped line per step.</summary>
public sealed class ConsoleProgress : IProgress<NodeProgress>
{
    private readonly IAnsiConsole _console;
    private readonly TimeProvider _time;

    /// <summary>Prints to <paramref name="console"/>.</summary>
    public ConsoleProgress(IAnsiConsole console, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(console);
        _console = console;
        _time = time ?? TimeProvider.System;
    }

    /// <inheritdoc/>
    public void Report(NodeProgress value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var color = value.Kind switch
        {
            NodeProgressKind.Evaluated => "green",
            NodeProgressKind.Rejected or NodeProgressKind.Retrying or NodeProgressKind.Discarded => "yellow",
            NodeProgressKind.RunEnded or NodeProgressKind.Stopped => "bold",
            _ => "default",
        };
        var time = _time.GetLocalNow().ToString("HH:mm:ss", CultureInfo.InvariantCulture);
        _console.MarkupLine($"[grey]{time}[/] [{color}]{Markup.Escape(value.Message)}[/]");
    }
}
