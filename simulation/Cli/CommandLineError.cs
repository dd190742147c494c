using System.CommandLine.Parsing;

namespace Federated.Simulation.Cli;

/// <summary>A parse error of System.CommandLine as the simulation's one-line <c>error: …</c>, naming the option.</summary>
internal static class CommandLineError
{
    /// <summary>The line, e.g. <c>error: --optimizer: Argument 'bogus' not recognized. Must be one of: 'sgd' 'momentum' 'adam'</c>.</summary>
    public static string Describe(ParseError error)
    {
        ArgumentNullException.ThrowIfNull(error);
        var option = error.SymbolResult switch
        {
            OptionResult o => o.Option.Name,
            ArgumentResult { Parent: OptionResult o } => o.Option.Name,
            _ => null,
        };
        var message = string.Join(' ', error.Message.Split(['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        return "error: " + (option is null || message.Contains(option, StringComparison.Ordinal) ? "" : option + ": ") + message;
    }
}
