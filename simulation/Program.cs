using System.CommandLine;
using Federated.Coordinator.Runs;
using Federated.Simulation.Cli;
using Spectre.Console;

// The simulation's commands: with no command the synthetic federation (Cli/SyntheticCommand), then movielens, tune and
// csv, each in its own file under Cli/ beside the options they share (Cli/SharedOptions, Cli/MovieLensOptions).
// Written to a file or a pipe, lines are not wrapped at the 80 columns Spectre assumes without a terminal.
if (Console.IsOutputRedirected)
{
    AnsiConsole.Profile.Width = 1000;
}

var commandLine = "dotnet run --project simulation" + (args.Length == 0 ? "" : " -- " + string.Join(' ', args));
var shared = new SharedOptions();
var movieLens = new MovieLensOptions(shared);
var root = SyntheticCommand.Create(shared, commandLine);
root.Subcommands.Add(MovieLensCommand.Create(shared, movieLens, commandLine));
root.Subcommands.Add(TuneCommand.Create(shared, movieLens, commandLine));
root.Subcommands.Add(CsvCommand.Create(shared, commandLine));
try
{
    var parsed = root.Parse(args);
    if (parsed.Errors.Count > 0)
    {
        // System.CommandLine's own errors (an unknown optimizer, a missing --data, a value that is not a number) follow the
        // same rule as ours: one line, exit code 2, and --help for the rest.
        await Console.Error.WriteLineAsync(CommandLineError.Describe(parsed.Errors[0])).ConfigureAwait(false);
        return 2;
    }

    return await parsed.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false }).ConfigureAwait(false);
}
catch (Exception e) when (e is RunConfigException or Federated.Model.Spec.ModelSpecException or Federated.Client.Data.DataFormatException || e.GetType() == typeof(ArgumentException))
{
    // A bad option value or run config is the user's to fix: one line naming it, no stack trace. (Subtypes such as
    // ArgumentNullException are bugs and keep their trace.)
    await Console.Error.WriteLineAsync("error: " + e.Message).ConfigureAwait(false);
    return 2;
}
catch (Federated.Simulation.Engine.SimulationRunFailedException e)
{
    // The run itself failed (e.g. every secure attempt of a round lost too many clients): one line, exit 1.
    await Console.Error.WriteLineAsync("error: " + e.Message).ConfigureAwait(false);
    return 1;
}
