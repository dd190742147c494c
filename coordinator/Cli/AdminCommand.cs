using System.CommandLine;
using System.Globalization;
using Federated.Protos.V1;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;

namespace Federated.Coordinator.Cli;

/// <summary>
/// <c>coordinator admin &lt;verb&gt; --coordinator URL --admin-token T [--json]</c>: the operator command line over the
/// operator API. The URL and token may also come from <c>FEDERATED_COORDINATOR</c> and <c>FEDERATED_ADMIN_TOKEN</c>.
/// Output goes to the invocation's output; an error is one line on its error writer and a non-zero exit code
/// (<see cref="AdminExitCodes"/>).
/// </summary>
/// <remarks>One instance per command line: System.CommandLine symbols remember their parents, so none is shared.</remarks>
internal sealed class AdminCommand
{
    // Every field, even at its default (version 0, kept = false), so that a script needs no knowledge of proto3 defaults.
    private static readonly JsonFormatter Json = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(true));

    private readonly HttpMessageHandler? _httpHandler;

    private readonly Option<string> _coordinatorOption = new("--coordinator")
    {
        Description = "Coordinator URL (default $FEDERATED_COORDINATOR or http://127.0.0.1:5000)",
        Recursive = true,
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("FEDERATED_COORDINATOR") ?? "http://127.0.0.1:5000",
    };

    // No DefaultValueFactory: System.CommandLine prints an option's default in --help, and this one is a secret.
    private readonly Option<string?> _adminTokenOption = new("--admin-token")
    {
        Description = "Admin token (default $FEDERATED_ADMIN_TOKEN)",
        Recursive = true,
    };

    private readonly Func<string, string?> _environment;

    private readonly Option<bool> _jsonOption = new("--json") { Description = "Print JSON for scripts", Recursive = true };

    private readonly Option<string> _runOption = new("--run") { Description = "Run id, e.g. run-1", Required = true };

    private readonly Option<string> _nodeOption = new("--node") { Description = "Node id", Required = true };

    private AdminCommand(HttpMessageHandler? httpHandler, Func<string, string?> environment)
    {
        _httpHandler = httpHandler;
        _environment = environment;
    }

    /// <summary>Runs one admin command line on the console; returns the exit code (0 on success, non-zero on any error).</summary>
    public static Task<int> RunAsync(string[] args) => RunAsync(args, new InvocationConfiguration(), httpHandler: null);

    /// <summary>
    /// Runs one admin command line, writing to <paramref name="invocation"/>'s output and error; when
    /// <paramref name="httpHandler"/> is set (an in-memory test server), the calls go through it instead of a socket.
    /// </summary>
    /// <param name="args">The command line.</param>
    /// <param name="invocation">Where output and errors go.</param>
    /// <param name="httpHandler">An in-memory test server's handler, or null for a socket.</param>
    /// <param name="environment">Reads an environment variable (null: the process's).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    internal static async Task<int> RunAsync(
        string[] args, InvocationConfiguration invocation, HttpMessageHandler? httpHandler, Func<string, string?>? environment = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(invocation);
        var parse = new AdminCommand(httpHandler, environment ?? Environment.GetEnvironmentVariable).Build().Parse(args);
        if (parse.Errors.Count > 0)
        {
            // One line, as for every other error, rather than the parser's error list followed by the whole help.
            await invocation.Error.WriteLineAsync($"error: {parse.Errors[0].Message} (see 'admin --help')").ConfigureAwait(false);
            return AdminExitCodes.BadUsage;
        }

        return await parse.InvokeAsync(invocation, cancellationToken).ConfigureAwait(false);
    }

    private RootCommand Build()
    {
        var root = new RootCommand("Operate a Federated coordinator");
        root.Options.Add(_coordinatorOption);
        root.Options.Add(_adminTokenOption);
        root.Options.Add(_jsonOption);

        root.Subcommands.Add(Verb("status", "Service version, active runs and nodes", [], async (client, parse, headers, ct) =>
            Print(parse, await client.GetStatusAsync(new GetStatusRequest(), headers, cancellationToken: ct), FormatStatus)));
        root.Subcommands.Add(Verb("runs", "List runs", [], async (client, parse, headers, ct) =>
            Print(parse, await client.ListRunsAsync(new ListRunsRequest(), headers, cancellationToken: ct), r => string.Join(Environment.NewLine, r.Runs.Select(FormatRun)))));

        var config = new Option<FileInfo>("--config") { Description = "Run config JSON file", Required = true };
        var init = new Option<FileInfo>("--init") { Description = "Version 0 from a safetensors file (an 'admin export', or one written by Python) instead of the seed's" };
        root.Subcommands.Add(Verb("start-run", "Create and start a run from a config file", [config, init], async (client, parse, headers, ct) =>
        {
            var json = await RunConfigFile.ReadAsync(parse.GetValue(config)!, ct).ConfigureAwait(false);
            var request = new StartRunRequest { ConfigJson = json };
            if (parse.GetValue(init) is { } initFile)
            {
                request.InitialModel = Google.Protobuf.ByteString.CopyFrom(await ModelExportFile.ReadInitAsync(initFile, ct).ConfigureAwait(false));
            }

            return Print(parse, await client.StartRunAsync(request, headers, cancellationToken: ct), FormatRun);
        }));
        root.Subcommands.Add(Verb("pause", "Pause a run", [_runOption], async (client, parse, headers, ct) =>
            Print(parse, await client.PauseRunAsync(RunRequest(parse), headers, cancellationToken: ct), FormatRun)));
        root.Subcommands.Add(Verb("resume", "Resume a paused run", [_runOption], async (client, parse, headers, ct) =>
            Print(parse, await client.ResumeRunAsync(RunRequest(parse), headers, cancellationToken: ct), FormatRun)));
        root.Subcommands.Add(Verb("stop", "Stop a run for good", [_runOption], async (client, parse, headers, ct) =>
            Print(parse, await client.StopRunAsync(RunRequest(parse), headers, cancellationToken: ct), FormatRun)));
        root.Subcommands.Add(Verb("rounds", "List the rounds of a run", [_runOption], async (client, parse, headers, ct) =>
            Print(parse, await client.ListRoundsAsync(RunRequest(parse), headers, cancellationToken: ct), r => string.Join(Environment.NewLine, r.Rounds.Select(FormatRound)))));
        root.Subcommands.Add(Verb("nodes", "List enrolled nodes", [], async (client, parse, headers, ct) =>
            Print(parse, await client.ListNodesAsync(new ListNodesRequest(), headers, cancellationToken: ct), r => string.Join(Environment.NewLine, r.Nodes.Select(FormatNode)))));
        root.Subcommands.Add(Verb("issue-token", "Enrol a node (or replace its token) and print the token once", [_nodeOption], async (client, parse, headers, ct) =>
            Print(parse, await client.IssueTokenAsync(new IssueTokenRequest { NodeId = parse.GetValue(_nodeOption) }, headers, cancellationToken: ct), r => r.Token)));
        root.Subcommands.Add(Verb("revoke", "Revoke a node's token", [_nodeOption], async (client, parse, headers, ct) =>
            Print(parse, await client.RevokeTokenAsync(new RevokeTokenRequest { NodeId = parse.GetValue(_nodeOption) }, headers, cancellationToken: ct), _ => $"revoked {parse.GetValue(_nodeOption)}")));
        root.Subcommands.Add(Verb("metrics", "Per-round, per-task metrics of a run", [_runOption], async (client, parse, headers, ct) =>
            Print(parse, await client.GetMetricsAsync(RunRequest(parse), headers, cancellationToken: ct), FormatMetrics)));

        var version = new Option<long>("--version") { Description = "Model version", Required = true };
        var output = new Option<FileInfo>("--out") { Description = "Output file", Required = true };
        root.Subcommands.Add(Verb("export", "Export a model version to a file", [_runOption, version, output], async (client, parse, headers, ct) =>
        {
            var path = parse.GetValue(output)!.FullName;
            ModelExportFile.CheckTarget(path);
            using var call = client.ExportModel(new ExportModelRequest { RunId = parse.GetValue(_runOption), ModelVersion = parse.GetValue(version) }, headers, cancellationToken: ct);
            var bytes = await ModelExportFile.WriteAsync(call.ResponseStream.ReadAllAsync(ct), path, ct).ConfigureAwait(false);
            await parse.InvocationConfiguration.Output.WriteLineAsync(parse.GetValue(_jsonOption)
                ? $"{{\"path\": {System.Text.Json.JsonSerializer.Serialize(path)}, \"bytes\": {bytes}}}"
                : $"wrote {bytes / (1024.0 * 1024.0):F1} MiB of parameters to {path}").ConfigureAwait(false);
            return 0;
        }));

        root.Subcommands.Add(Verb("versions", "List the stored model versions of a run", [_runOption], async (client, parse, headers, ct) =>
            Print(parse, await client.ListVersionsAsync(RunRequest(parse), headers, cancellationToken: ct), FormatVersions)));
        var release = new Option<bool>("--release") { Description = "Release the mark: the version is deleted once it is no longer among the newest" };
        root.Subcommands.Add(Verb("keep", "Keep a model version for good (or release it with --release)", [_runOption, version, release], async (client, parse, headers, ct) =>
        {
            var request = new KeepVersionRequest { RunId = parse.GetValue(_runOption), ModelVersion = parse.GetValue(version), Keep = !parse.GetValue(release) };
            return Print(parse, await client.KeepVersionAsync(request, headers, cancellationToken: ct), FormatKeep);
        }));

        var watchRun = new Option<string>("--run") { Description = "Run id (default: every run); watch ends when that run ends" };
        root.Subcommands.Add(Verb("watch", "Print round events as they happen (until the run ends with --run, else until Ctrl-C)", [watchRun], (client, parse, headers, ct) =>
            new RoundWatch(client, headers, parse.InvocationConfiguration.Output, parse.GetValue(_jsonOption) ? e => Json.Format(e) : FormatEvent)
                .RunAsync(parse.GetValue(watchRun) ?? "", ct)));

        root.Subcommands.Add(InitRunCommand.Build());

        return root;
    }

    private Command Verb(string name, string description, Option[] options, Func<Operator.OperatorClient, ParseResult, Metadata, CancellationToken, Task<int>> action)
    {
        var command = new Command(name, description);
        foreach (var option in options)
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parse, cancellationToken) =>
        {
            var url = parse.GetValue(_coordinatorOption)!;
            var token = parse.GetValue(_adminTokenOption) ?? _environment("FEDERATED_ADMIN_TOKEN");
            var error = parse.InvocationConfiguration.Error;
            if (string.IsNullOrEmpty(token))
            {
                await error.WriteLineAsync("error: an admin token is needed: --admin-token T or FEDERATED_ADMIN_TOKEN").ConfigureAwait(false);
                return AdminExitCodes.BadUsage;
            }

            if (!Uri.TryCreate(url, UriKind.Absolute, out var address) || address.Scheme is not ("http" or "https") || address.Host.Length == 0)
            {
                await error.WriteLineAsync($"error: '{url}' is not a coordinator URL: give http://HOST:PORT or https://HOST:PORT (--coordinator or FEDERATED_COORDINATOR)").ConfigureAwait(false);
                return AdminExitCodes.BadUsage;
            }

            using var channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions { MaxReceiveMessageSize = 8 * 1024 * 1024, MaxSendMessageSize = 8 * 1024 * 1024, HttpHandler = _httpHandler });
            var headers = new Metadata { { "authorization", "Bearer " + token } };
            try
            {
                return await action(new Operator.OperatorClient(channel), parse, headers, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (AdminFailure.Classify(e, url, cancellationToken) is { } failure)
            {
                await error.WriteLineAsync("error: " + failure.Message).ConfigureAwait(false);
                return failure.ExitCode;
            }
        });
        return command;
    }

    private RunRequest RunRequest(ParseResult parse) => new() { RunId = parse.GetValue(_runOption) };

    private int Print<T>(ParseResult parse, T message, Func<T, string> human)
        where T : IMessage
    {
        parse.InvocationConfiguration.Output.WriteLine(parse.GetValue(_jsonOption) ? Json.Format(message) : human(message));
        return 0;
    }

    private static string Time(long unixMs) =>
        unixMs == 0 ? "-" : DateTimeOffset.FromUnixTimeMilliseconds(unixMs).ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string FormatStatus(GetStatusReply s) =>
        string.Join(Environment.NewLine, s.ActiveRuns.Select(FormatRun).Prepend(
            $"coordinator {s.Version}, up since {Time(s.StartedUnixMs)}; {s.RunsActive} active run(s); {s.NodesConnected} of {s.NodesEnrolled} enrolled node(s) connected"));

    private static string FormatRun(RunInfo r) =>
        string.Create(CultureInfo.InvariantCulture, $"{r.RunId,-8} {r.State.ToString().ToLowerInvariant(),-10} version {r.ModelVersion}/{r.Rounds}  round {r.CurrentRound}  {r.Strategy}{FormatPrivacy(r.Privacy)}  '{r.Name}'  {r.Message}");

    /// <summary><c>  ε=1.23 (δ=1e-05)</c>, with <c>/4</c> after ε when the run has a target; nothing for a run that is not private.</summary>
    private static string FormatPrivacy(PrivacySpent? p) =>
        p is null ? "" : string.Create(
            CultureInfo.InvariantCulture,
            $"  ε={p.Epsilon:0.00}{(p.HasTargetEpsilon ? $"/{p.TargetEpsilon:G}" : "")} (δ={p.Delta:0.#####e+00})");

    private static string FormatRound(RoundInfo r) =>
        $"round {r.Round,4}  {r.State.ToString().ToLowerInvariant(),-10} base v{r.BaseVersion}  {r.Updates}/{r.Selected.Count} updates  deadline {Time(r.DeadlineUnixMs)}  [{string.Join(", ", r.Selected)}]";

    private static string FormatNode(NodeInfo n) =>
        $"{n.NodeId,-20} {(n.Revoked ? "revoked" : n.Connected ? "connected" : "offline"),-10} last seen {Time(n.LastSeenUnixMs)}  runs [{string.Join(", ", n.Runs)}]";

    /// <summary>
    /// The rows, and for a private run a first line with what its versions have spent; an eval row (the version its round
    /// produced) ends with that version's ε.
    /// </summary>
    private static string FormatMetrics(GetMetricsReply r)
    {
        var epsilon = r.Privacy.ToDictionary(p => p.ModelVersion, p => p.Epsilon);
        var rows = r.Rows.Select(m => FormatMetric(m) + (m.Kind == "eval" && epsilon.TryGetValue(m.Round, out var e) ? string.Create(CultureInfo.InvariantCulture, $"  ε={e:0.00}") : ""));
        if (r.Privacy.Count > 0)
        {
            var last = r.Privacy[^1];
            rows = rows.Prepend(string.Create(CultureInfo.InvariantCulture, $"privacy: ε={last.Epsilon:0.00} (δ={last.Delta:0.#####e+00}) after version {last.ModelVersion}"));
        }

        return string.Join(Environment.NewLine, rows);
    }

    private static string FormatMetric(TaskMetricRow m) =>
        string.Create(CultureInfo.InvariantCulture, $"round {m.Round,4}  {m.Kind,-5} {m.Task,-12} ") +
        string.Join("  ", m.Figures.OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => string.Create(CultureInfo.InvariantCulture, $"{f.Key}={f.Value:G5}")));

    private static string FormatVersions(ListVersionsReply r) =>
        string.Join(Environment.NewLine, r.Versions.Select(v => string.Create(CultureInfo.InvariantCulture,
            $"{v.ModelVersion,7}  {v.Round,5}  {Time(v.CreatedUnixMs),-20}  {(v.Kept ? "yes" : "-"),-4}  {Size(v.Bytes),10}")).Prepend(
            $"{"version",7}  {"round",5}  {"created",-20}  {"kept",-4}  {"size",10}"));

    private static string FormatKeep(KeepVersionReply r) =>
        r.Kept ? $"version {r.ModelVersion} of {r.RunId} is kept for good"
        : r.ModelVersion == 0 ? $"version 0 of {r.RunId} is no longer marked (version 0 is kept anyway)"
        : $"version {r.ModelVersion} of {r.RunId} is no longer marked: it is deleted once it is not among the newest versions";

    /// <summary>A byte count for people: B below 1 KiB, then KiB, MiB, GiB with one decimal.</summary>
    private static string Size(long bytes) => bytes switch
    {
        < 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes} B"),
        < 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:F1} KiB"),
        < 1024 * 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024.0):F1} MiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024.0 * 1024.0):F1} GiB"),
    };

    private static string FormatEvent(Protos.V1.RoundEvent e) =>
        $"{Time(e.UnixMs)} {e.RunId} round {e.Round} {e.Kind.ToString()} {e.NodeId} {e.Message}".Replace("  ", " ", StringComparison.Ordinal);
}
