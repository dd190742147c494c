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
/// </summary>
internal static class AdminCommand
{
    private static readonly Option<string> CoordinatorOption = new("--coordinator")
    {
        Description = "Coordinator URL (default $FEDERATED_COORDINATOR or http://127.0.0.1:5000)",
        Recursive = true,
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("FEDERATED_COORDINATOR") ?? "http://127.0.0.1:5000",
    };

    private static readonly Option<string> AdminTokenOption = new("--admin-token")
    {
        Description = "Admin token (default $FEDERATED_ADMIN_TOKEN)",
        Recursive = true,
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("FEDERATED_ADMIN_TOKEN") ?? "",
    };

    private static readonly Option<bool> JsonOption = new("--json") { Description = "Print JSON for scripts", Recursive = true };

    private static readonly Option<string> RunOption = new("--run") { Description = "Run id, e.g. run-1", Required = true };

    private static readonly Option<string> NodeOption = new("--node") { Description = "Node id", Required = true };

    public static async Task<int> RunAsync(string[] args)
    {
        var root = new RootCommand("Operate a Federated coordinator");
        root.Options.Add(CoordinatorOption);
        root.Options.Add(AdminTokenOption);
        root.Options.Add(JsonOption);

        root.Subcommands.Add(Verb("status", "Service version, active runs and nodes", [], async (client, parse, headers, ct) =>
            Print(parse, await client.GetStatusAsync(new GetStatusRequest(), headers, cancellationToken: ct), FormatStatus)));
        root.Subcommands.Add(Verb("runs", "List runs", [], async (client, parse, headers, ct) =>
            Print(parse, await client.ListRunsAsync(new ListRunsRequest(), headers, cancellationToken: ct), r => string.Join(Environment.NewLine, r.Runs.Select(FormatRun)))));

        var config = new Option<FileInfo>("--config") { Description = "Run config JSON file", Required = true };
        root.Subcommands.Add(Verb("start-run", "Create and start a run from a config file", [config], async (client, parse, headers, ct) =>
        {
            var json = await File.ReadAllTextAsync(parse.GetValue(config)!.FullName, ct).ConfigureAwait(false);
            return Print(parse, await client.StartRunAsync(new StartRunRequest { ConfigJson = json }, headers, cancellationToken: ct), FormatRun);
        }));
        root.Subcommands.Add(Verb("pause", "Pause a run", [RunOption], async (client, parse, headers, ct) =>
            Print(parse, await client.PauseRunAsync(RunRequest(parse), headers, cancellationToken: ct), FormatRun)));
        root.Subcommands.Add(Verb("resume", "Resume a paused run", [RunOption], async (client, parse, headers, ct) =>
            Print(parse, await client.ResumeRunAsync(RunRequest(parse), headers, cancellationToken: ct), FormatRun)));
        root.Subcommands.Add(Verb("stop", "Stop a run for good", [RunOption], async (client, parse, headers, ct) =>
            Print(parse, await client.StopRunAsync(RunRequest(parse), headers, cancellationToken: ct), FormatRun)));
        root.Subcommands.Add(Verb("rounds", "List the rounds of a run", [RunOption], async (client, parse, headers, ct) =>
            Print(parse, await client.ListRoundsAsync(RunRequest(parse), headers, cancellationToken: ct), r => string.Join(Environment.NewLine, r.Rounds.Select(FormatRound)))));
        root.Subcommands.Add(Verb("nodes", "List enrolled nodes", [], async (client, parse, headers, ct) =>
            Print(parse, await client.ListNodesAsync(new ListNodesRequest(), headers, cancellationToken: ct), r => string.Join(Environment.NewLine, r.Nodes.Select(FormatNode)))));
        root.Subcommands.Add(Verb("issue-token", "Enrol a node (or replace its token) and print the token once", [NodeOption], async (client, parse, headers, ct) =>
            Print(parse, await client.IssueTokenAsync(new IssueTokenRequest { NodeId = parse.GetValue(NodeOption) }, headers, cancellationToken: ct), r => r.Token)));
        root.Subcommands.Add(Verb("revoke", "Revoke a node's token", [NodeOption], async (client, parse, headers, ct) =>
            Print(parse, await client.RevokeTokenAsync(new RevokeTokenRequest { NodeId = parse.GetValue(NodeOption) }, headers, cancellationToken: ct), _ => $"revoked {parse.GetValue(NodeOption)}")));
        root.Subcommands.Add(Verb("metrics", "Per-round, per-task metrics of a run", [RunOption], async (client, parse, headers, ct) =>
            Print(parse, await client.GetMetricsAsync(RunRequest(parse), headers, cancellationToken: ct), r => string.Join(Environment.NewLine, r.Rows.Select(FormatMetric)))));

        var version = new Option<long>("--version") { Description = "Model version", Required = true };
        var output = new Option<FileInfo>("--out") { Description = "Output file", Required = true };
        root.Subcommands.Add(Verb("export", "Export a model version to a file", [RunOption, version, output], async (client, parse, headers, ct) =>
        {
            using var call = client.ExportModel(new ExportModelRequest { RunId = parse.GetValue(RunOption), ModelVersion = parse.GetValue(version) }, headers, cancellationToken: ct);
            var path = parse.GetValue(output)!.FullName;
            var bytes = await ModelExportFile.WriteAsync(call.ResponseStream.ReadAllAsync(ct), path, ct).ConfigureAwait(false);
            await Console.Out.WriteLineAsync(parse.GetValue(JsonOption)
                ? $"{{\"path\": {System.Text.Json.JsonSerializer.Serialize(path)}, \"bytes\": {bytes}}}"
                : $"wrote {bytes / (1024.0 * 1024.0):F1} MiB of parameters to {path}").ConfigureAwait(false);
            return 0;
        }));

        var watchRun = new Option<string>("--run") { Description = "Run id (default: every run)" };
        root.Subcommands.Add(Verb("watch", "Print round events as they happen (Ctrl-C to stop)", [watchRun], async (client, parse, headers, ct) =>
        {
            using var call = client.WatchRounds(new RunRequest { RunId = parse.GetValue(watchRun) ?? "" }, headers, cancellationToken: ct);
            try
            {
                await foreach (var e in call.ResponseStream.ReadAllAsync(ct).ConfigureAwait(false))
                {
                    Print(parse, e, FormatEvent);
                }
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled)
            {
                // Ctrl-C.
            }

            return 0;
        }));

        return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
    }

    private static Command Verb(string name, string description, Option[] options, Func<Operator.OperatorClient, ParseResult, Metadata, CancellationToken, Task<int>> action)
    {
        var command = new Command(name, description);
        foreach (var option in options)
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parse, cancellationToken) =>
        {
            var url = parse.GetValue(CoordinatorOption)!;
            var token = parse.GetValue(AdminTokenOption);
            if (string.IsNullOrEmpty(token))
            {
                await Console.Error.WriteLineAsync("error: an admin token is needed: --admin-token T or FEDERATED_ADMIN_TOKEN").ConfigureAwait(false);
                return 2;
            }

            using var channel = GrpcChannel.ForAddress(url, new GrpcChannelOptions { MaxReceiveMessageSize = 8 * 1024 * 1024, MaxSendMessageSize = 8 * 1024 * 1024 });
            var headers = new Metadata { { "authorization", "Bearer " + token } };
            try
            {
                return await action(new Operator.OperatorClient(channel), parse, headers, cancellationToken).ConfigureAwait(false);
            }
            catch (RpcException e)
            {
                await Console.Error.WriteLineAsync($"error: {e.Status.Detail} ({e.StatusCode})").ConfigureAwait(false);
                return 1;
            }
            catch (IOException e)
            {
                await Console.Error.WriteLineAsync($"error: {e.Message}").ConfigureAwait(false);
                return 1;
            }
        });
        return command;
    }

    private static RunRequest RunRequest(ParseResult parse) => new() { RunId = parse.GetValue(RunOption) };

    private static int Print<T>(ParseResult parse, T message, Func<T, string> human)
        where T : IMessage
    {
        Console.Out.WriteLine(parse.GetValue(JsonOption) ? JsonFormatter.Default.Format(message) : human(message));
        return 0;
    }

    private static string Time(long unixMs) =>
        unixMs == 0 ? "-" : DateTimeOffset.FromUnixTimeMilliseconds(unixMs).ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string FormatStatus(GetStatusReply s) =>
        $"coordinator {s.Version}, up since {Time(s.StartedUnixMs)}; {s.RunsActive} active run(s); {s.NodesConnected} of {s.NodesEnrolled} enrolled node(s) connected";

    private static string FormatRun(RunInfo r) =>
        string.Create(CultureInfo.InvariantCulture, $"{r.RunId,-8} {r.State.ToString().ToLowerInvariant(),-10} version {r.ModelVersion}/{r.Rounds}  round {r.CurrentRound}  {r.Strategy}  '{r.Name}'  {r.Message}");

    private static string FormatRound(RoundInfo r) =>
        $"round {r.Round,4}  {r.State.ToString().ToLowerInvariant(),-10} base v{r.BaseVersion}  {r.Updates}/{r.Selected.Count} updates  deadline {Time(r.DeadlineUnixMs)}  [{string.Join(", ", r.Selected)}]";

    private static string FormatNode(NodeInfo n) =>
        $"{n.NodeId,-20} {(n.Revoked ? "revoked" : n.Connected ? "connected" : "offline"),-10} last seen {Time(n.LastSeenUnixMs)}  runs [{string.Join(", ", n.Runs)}]";

    private static string FormatMetric(TaskMetricRow m) =>
        string.Create(CultureInfo.InvariantCulture, $"round {m.Round,4}  {m.Kind,-5} {m.Task,-12} ") +
        string.Join("  ", m.Figures.OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => string.Create(CultureInfo.InvariantCulture, $"{f.Key}={f.Value:G5}")));

    private static string FormatEvent(Protos.V1.RoundEvent e) =>
        $"{Time(e.UnixMs)} {e.RunId} round {e.Round} {e.Kind.ToString()} {e.NodeId} {e.Message}".Replace("  ", " ", StringComparison.Ordinal);
}
