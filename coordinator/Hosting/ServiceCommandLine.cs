using Federated.Coordinator.Storage;
using Microsoft.AspNetCore.Connections;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace Federated.Coordinator.Hosting;

/// <summary>
/// The coordinator service's own command line (everything but <c>admin</c> and <c>privacy</c>): builds and runs the
/// service, and when it cannot start for a reason the operator can fix — a setting out of its range (exit 2), an address
/// that cannot be bound or a database file that cannot be used (exit 1) — prints one line without a stack trace.
/// Anything else is a bug and keeps its trace.
/// </summary>
internal static class ServiceCommandLine
{
    /// <summary>Exit code of a setting that fails its validation.</summary>
    public const int BadSetting = 2;

    /// <summary>Exit code of a service that could not start where it was told to (e.g. the port is taken).</summary>
    public const int CannotStart = 1;

    /// <summary>
    /// Builds and runs the service until it is stopped; returns 0, or the exit code of a failure that
    /// <see cref="DescribeStartupFailure"/> knows after writing its one line to <paramref name="error"/>.
    /// </summary>
    /// <param name="args">The command line (configuration keys, <c>--urls</c>).</param>
    /// <param name="configure">Passed to <see cref="CoordinatorHost.Build"/>.</param>
    /// <param name="error">Where the failure's line goes (the console's standard error).</param>
    /// <param name="cancellationToken">Stops the service.</param>
    public static async Task<int> RunAsync(string[] args, Action<WebApplicationBuilder>? configure, TextWriter error, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(error);
        string? database = null;
        try
        {
            await using var app = CoordinatorHost.Build(args, configure);

            // Every ValidateOnStart option is checked here, before the host starts, so that a bad setting is one line
            // rather than the host's "Hosting failed to start" log with a stack trace.
            app.Services.GetRequiredService<IStartupValidator>().Validate();
            database = app.Services.GetRequiredService<IOptions<CoordinatorOptions>>().Value.DatabasePath;

            // The database is opened (and migrated) here too, for the same reason: a file that is not ours fails before the host starts.
            app.Services.GetRequiredService<SqliteStore>();
            await app.RunAsync(cancellationToken).ConfigureAwait(false);
            return 0;
        }
        catch (Exception e) when (DescribeStartupFailure(e, database) is { } failure)
        {
            await error.WriteLineAsync("error: " + failure.Message).ConfigureAwait(false);
            return failure.ExitCode;
        }
    }

    /// <summary>The line and exit code for <paramref name="e"/>, or null when it is not an operator's to fix.</summary>
    /// <param name="e">What stopped the service.</param>
    /// <param name="database">The configured database path, named when the database cannot be used (null: not known yet).</param>
    public static (string Message, int ExitCode)? DescribeStartupFailure(Exception e, string? database = null) => e switch
    {
        SchemaVersionException schema => (schema.Message, CannotStart),
        SqliteException sqlite => ($"the database {(database is null ? "" : $"'{database}' ")}cannot be used: {sqlite.Message} (Coordinator:DatabasePath)", CannotStart),
        OptionsValidationException options => (Join(options.Failures), BadSetting),
        AggregateException { InnerExceptions: var inner } when inner.Count > 0 && inner.All(i => i is OptionsValidationException) =>
            (Join(inner.SelectMany(i => ((OptionsValidationException)i).Failures)), BadSetting),
        IOException { InnerException: AddressInUseException } bind => (bind.Message + " (another process listens there: choose another with --urls)", CannotStart),
        _ => null,
    };

    /// <summary>
    /// The failures in one line. The validator prefixes each with the property ("MaxIdChars: Coordinator:MaxIdChars must
    /// be in [16, 1024]"); where the message names the key anyway, the prefix is dropped.
    /// </summary>
    private static string Join(IEnumerable<string> failures) => string.Join("; ", failures
        .Select(f => f.IndexOf(": ", StringComparison.Ordinal) is > 0 and var cut && f[(cut + 2)..].Contains(":" + f[..cut], StringComparison.Ordinal) ? f[(cut + 2)..] : f)
        .Distinct(StringComparer.Ordinal));
}
