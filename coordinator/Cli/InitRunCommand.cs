using System.CommandLine;

namespace Federated.Coordinator.Cli;

/// <summary>
/// <c>admin init-run (--movielens | --csv-example) [--out FILE] [--force]</c>: writes one of the run configs shipped in
/// the repository's <c>runs/</c> folder, to start from without a checkout. It needs no coordinator and no token.
/// </summary>
/// <remarks>
/// The configs are the very files of <c>runs/</c>, embedded at build time, so the coordinator never needs the client
/// (where <c>MovieLensModelSpec</c> lives); a test checks that the MovieLens one still equals that spec.
/// </remarks>
internal static class InitRunCommand
{
    /// <summary>The shipped run configs: option name, description, embedded resource name.</summary>
    internal static readonly IReadOnlyList<(string Option, string Description, string Resource)> Configs =
    [
        ("--movielens", "MovieLens 100K or 1M (a node's --data is the MovieLens directory)", "movielens-100k.json"),
        ("--csv-example", "the CSV example: runs/csv-example.schema.json describes its data", "csv-example.json"),
    ];

    /// <summary>Builds the verb.</summary>
    public static Command Build()
    {
        var command = new Command("init-run", "Write a ready run config (MovieLens or the CSV example) to start-run with");
        var choices = Configs.Select(c => new Option<bool>(c.Option) { Description = "The run config for " + c.Description }).ToList();
        choices.ForEach(command.Options.Add);
        var output = new Option<FileInfo>("--out") { Description = "File to write (default: standard output)" };
        var force = new Option<bool>("--force") { Description = "Replace --out if it exists" };
        command.Options.Add(output);
        command.Options.Add(force);

        command.SetAction(async (parse, cancellationToken) =>
        {
            var error = parse.InvocationConfiguration.Error;
            var chosen = Configs.Where((_, i) => parse.GetValue(choices[i])).ToList();
            if (chosen.Count != 1)
            {
                await error.WriteLineAsync($"error: choose exactly one of {string.Join(", ", Configs.Select(c => c.Option))}").ConfigureAwait(false);
                return 2;
            }

            var json = ReadShipped(chosen[0].Resource);
            if (parse.GetValue(output) is not { } file)
            {
                await parse.InvocationConfiguration.Output.WriteAsync(json).ConfigureAwait(false);
                return 0;
            }

            try
            {
                // CreateNew refuses an existing file atomically: an operator's edited config is never overwritten by accident.
                await using var stream = new FileStream(file.FullName, parse.GetValue(force) ? FileMode.Create : FileMode.CreateNew, FileAccess.Write);
                await using var writer = new StreamWriter(stream);
                await writer.WriteAsync(json.AsMemory(), cancellationToken).ConfigureAwait(false);
            }
            catch (IOException) when (file.Exists && !parse.GetValue(force))
            {
                await error.WriteLineAsync($"error: {file.FullName} exists; give --force to replace it").ConfigureAwait(false);
                return 1;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                await error.WriteLineAsync($"error: cannot write {file.FullName}: {e.Message}").ConfigureAwait(false);
                return 1;
            }

            await parse.InvocationConfiguration.Output.WriteLineAsync($"wrote {file.FullName}; start it with: admin start-run --config {file.FullName}").ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    /// <summary>The text of a shipped run config, exactly as in <c>runs/</c>.</summary>
    internal static string ReadShipped(string resource)
    {
        using var stream = typeof(InitRunCommand).Assembly.GetManifestResourceStream("Federated.Coordinator.Runs." + resource)
            ?? throw new InvalidOperationException($"the run config {resource} is not embedded in this build");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
