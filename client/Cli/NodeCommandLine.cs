using System.CommandLine;
using System.Globalization;
using Federated.Client.Data;
using Federated.Client.Federation;
using Federated.Client.Training;
using Federated.Model.Parameters;
using Federated.Model.Spec;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace Federated.Client.Cli;

/// <summary>
/// The node's command line: <c>run</c> (join a coordinator and train until the run ends), <c>evaluate</c> (local
/// per-task metrics of the current model), <c>recommend</c> (top-K items for a user) and <c>finetune</c> (tune the
/// local heads on local data over a finished global model). Every option may also come from a <c>FEDERATED_*</c>
/// environment variable or the <c>Node</c> section of appsettings.json.
/// </summary>
public sealed partial class NodeCommandLine
{
    private readonly Option<string?> _coordinator = new("--coordinator") { Description = "Coordinator URL, e.g. https://coordinator.example.org:5001 [FEDERATED_COORDINATOR]" };
    private readonly Option<string?> _token = new("--token") { Description = "This node's bearer token, issued by the operator [FEDERATED_TOKEN]" };
    private readonly Option<string?> _run = new("--run") { Description = "Run id to join; default: the coordinator's single active run [FEDERATED_RUN]" };
    private readonly Option<string?> _data = new("--data") { Description = "Data: a CSV/TSV file (with --schema) or a MovieLens 100K/1M directory [FEDERATED_DATA]", Recursive = true };
    private readonly Option<string?> _schema = new("--schema") { Description = "Schema JSON of a CSV/TSV data file [FEDERATED_SCHEMA]", Recursive = true };
    private readonly Option<string?> _state = new("--state") { Description = "State directory: local model and last global model (default node-state) [FEDERATED_STATE]", Recursive = true };
    // Numbers are taken as text and parsed in Resolve, so that a wrong one gets a sentence, not .NET's type names.
    private readonly Option<string?> _joinTimeout = new("--join-timeout") { Description = "Seconds to keep trying to reach the coordinator for the first join before giving up with exit code 5; 0 = until stopped (default 180) [FEDERATED_JOINTIMEOUT]" };
    private readonly Option<bool> _fresh = new("--fresh") { Description = "Move state files already in --state aside (into a discarded-<time> subdirectory) and start afresh; without it, the state of another run is an error [FEDERATED_FRESH]" };
    private readonly Option<string?> _seed = new("--seed") { Description = "Seed of the data split and local initialisation; keep it fixed (default 0) [FEDERATED_SEED]", Recursive = true };
    private readonly Option<string?> _split = new("--split") { Description = "How examples are split into train, validation and test: random (a seeded shuffle, default) or hash (each row by a seeded hash of its content, so rows added later never move old ones; needed by --watch-data) [FEDERATED_SPLIT]", Recursive = true };
    private readonly Option<bool> _noBulkUploads = new("--no-bulk-uploads") { Description = "Send updates as gRPC messages (SubmitUpdate) even when the coordinator has a bulk upload port [FEDERATED_NOBULKUPLOADS]" };
    private readonly Option<bool> _watchData = new("--watch-data") { Description = "Before each round, read the data again if its file changed (length or time) and train on the new rows from that round on; needs --split hash [FEDERATED_WATCHDATA]" };
    private readonly Option<string> _user = new("--user") { Description = "The user key, as in the data", Required = true };
    private readonly Option<int> _k = new("--k")
    {
        Description = "How many items",
        DefaultValueFactory = _ => 10,
        CustomParser = result =>
        {
            var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
            if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var k))
            {
                return k;
            }

            result.AddError($"--k must be a whole number ≥ 1, not '{text}'");
            return 0;
        },
    };
    private readonly Option<string?> _rankBy = new("--rank-by") { Description = "Task to rank by (default: the first binary task)" };
    private readonly Option<bool> _includeSeen = new("--include-seen") { Description = "Also rank items the user has already interacted with" };
    private readonly Option<FileInfo> _model = new("--model") { Description = "Evaluate this exported model (a safetensors file from 'admin export') instead of the state directory's last version; local tensors still come from --state" };
    private readonly Option<DataPart> _part = new("--part") { Description = "Which part of the local split", DefaultValueFactory = _ => DataPart.Validation };

    private readonly IAnsiConsole _console;
    private readonly IConfiguration _configuration;
    private readonly ILoggerFactory _loggerFactory;
    private readonly Func<NodeRunnerOptions, NodeRunnerOptions> _tuneRunner;
    private readonly Func<Uri, string, GrpcConnectionOptions, ICoordinatorConnection> _connect;

    /// <summary>Creates the command line.</summary>
    /// <param name="console">Where output goes.</param>
    /// <param name="configuration">appsettings and environment (<see cref="NodeConfiguration.Build"/>).</param>
    /// <param name="loggerFactory">Logging of the node loop.</param>
    /// <param name="tuneRunner">Adjusts the runner's options (tests shorten waits); identity when null.</param>
    /// <param name="connect">Opens the connection to a coordinator from its address and the node's token; gRPC when null (tests script one).</param>
    public NodeCommandLine(
        IAnsiConsole console,
        IConfiguration configuration,
        ILoggerFactory loggerFactory,
        Func<NodeRunnerOptions, NodeRunnerOptions>? tuneRunner = null,
        Func<Uri, string, GrpcConnectionOptions, ICoordinatorConnection>? connect = null)
    {
        ArgumentNullException.ThrowIfNull(console);
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        _console = console;
        _configuration = configuration;
        _loggerFactory = loggerFactory;
        _tuneRunner = tuneRunner ?? (o => o);
        _connect = connect ?? ((address, token, options) => new GrpcCoordinatorConnection(address, token, options));
        Root = Build();
    }

    /// <summary>The root command.</summary>
    public RootCommand Root { get; }

    /// <summary>Parses and runs <paramref name="args"/>; returns an <see cref="ExitCodes"/> value.</summary>
    /// <param name="args">The arguments.</param>
    /// <param name="cancellationToken">Stops <c>run</c> cleanly after its current step (Ctrl-C).</param>
    public async Task<int> InvokeAsync(string[] args, CancellationToken cancellationToken = default)
    {
        var parse = Root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                _console.MarkupLine($"[red]error:[/] {Markup.Escape(error.Message)}");
            }

            _console.WriteLine("Try --help.");
            return ExitCodes.Usage;
        }

        var output = new StringWriter(CultureInfo.InvariantCulture);
        var code = await parse.InvokeAsync(new InvocationConfiguration { Output = output, Error = output, ProcessTerminationTimeout = null }, cancellationToken).ConfigureAwait(false);
        if (output.GetStringBuilder().Length > 0)
        {
            _console.Write(new Text(output.ToString()));
        }

        return code;
    }

    private static SplitOptions Split(NodeSettings settings) => new() { Seed = settings.Seed, Method = settings.Split };

    private RootCommand Build()
    {
        var root = new RootCommand("A Federated node: trains a shared multi-task recommender with a coordinator; the data never leaves this machine.");
        root.Options.Add(_data);
        root.Options.Add(_schema);
        root.Options.Add(_state);
        root.Options.Add(_seed);
        root.Options.Add(_split);

        var run = new Command("run", "Join the coordinator's run and train on local data until the run ends (Ctrl-C stops after the current step)");
        run.Options.Add(_coordinator);
        run.Options.Add(_token);
        run.Options.Add(_run);
        run.Options.Add(_joinTimeout);
        run.Options.Add(_fresh);
        run.Options.Add(_watchData);
        run.Options.Add(_noBulkUploads);
        run.SetAction((parse, ct) => Guarded(() => RunAsync(Resolve(parse), ct), ct));
        root.Subcommands.Add(run);

        var evaluate = new Command("evaluate", "Print per-task metrics of the current model (local state + last global version) on local data");
        evaluate.Options.Add(_part);
        evaluate.Options.Add(_model);
        evaluate.Options.Add(_explainGates);
        evaluate.Options.Add(_memberStates);
        evaluate.SetAction((parse, ct) => Guarded(() => Task.FromResult(Evaluate(Resolve(parse), parse.GetValue(_part), parse.GetValue(_model), parse.GetValue(_explainGates), parse.GetValue(_memberStates))), ct));
        root.Subcommands.Add(evaluate);

        var recommend = new Command("recommend", "Print the top-K items for a user with each task's predicted value");
        recommend.Options.Add(_user);
        recommend.Options.Add(_k);
        recommend.Options.Add(_rankBy);
        recommend.Options.Add(_includeSeen);
        recommend.Options.Add(_explainItems);
        recommend.Options.Add(_memberStates);
        recommend.SetAction((parse, ct) => Guarded(() => Task.FromResult(Recommend(Resolve(parse), parse.GetValue(_user)!, parse.GetValue(_k), parse.GetValue(_rankBy), parse.GetValue(_includeSeen), parse.GetValue(_explainItems), parse.GetValue(_memberStates))), ct));
        root.Subcommands.Add(recommend);
        root.Subcommands.Add(BuildFineTune());
        return root;
    }

    private async Task<int> Guarded(Func<Task<int>> action, CancellationToken stoppingToken)
    {
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (UsageException e)
        {
            return Fail(ExitCodes.Usage, e.Message);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Ctrl-C before the node had joined (e.g. while retrying an unreachable coordinator): the only way to "stopped".
            _console.MarkupLine("[yellow]stopped[/]");
            return ExitCodes.Stopped;
        }
        catch (OperationCanceledException e)
        {
            // Cancelled by something other than Ctrl-C: a failure to explain, never a silent stop.
            return Fail(ExitCodes.Failed, $"an operation was cancelled without a stop being asked: {e.Message}");
        }
        catch (DataFormatException e)
        {
            return Fail(ExitCodes.BadData, e.Message);
        }
        catch (LocalStateException e)
        {
            return Fail(ExitCodes.BadData, e.Message);
        }
        catch (UpdateRejectedException e)
        {
            return Fail(ExitCodes.Refused, e.Message);
        }
        catch (CoordinatorUnavailableException e)
        {
            return Fail(ExitCodes.Unreachable, e.Message);
        }
        catch (Exception e) when (e is InvalidOperationException or InvalidDataException or ArgumentException or IOException or UnauthorizedAccessException)
        {
            return Fail(ExitCodes.Failed, e.Message);
        }
    }

    private int Fail(int code, string message)
    {
        _console.MarkupLine($"[red]error:[/] {Markup.Escape(message)}");
        return code;
    }

    private async Task<int> RunAsync(NodeSettings settings, CancellationToken cancellationToken)
    {
        var coordinator = Require(settings.Coordinator, "--coordinator", "Coordinator");
        var token = Require(settings.Token, "--token", "Token");
        var dataPath = Require(settings.Data, "--data", "Data");
        if (!Uri.TryCreate(coordinator, UriKind.Absolute, out var address) || (address.Scheme != Uri.UriSchemeHttp && address.Scheme != Uri.UriSchemeHttps))
        {
            throw new UsageException($"--coordinator must be an http:// or https:// URL, not '{coordinator}'");
        }

        // Open the source now, so a wrong path or schema fails before the node contacts the coordinator; so does a state
        // directory the node could not save its state in.
        var source = ExampleSources.Open(dataPath, settings.Schema);
        if (WritableDirectory.Problem(settings.State) is { } problem)
        {
            throw new LocalStateException($"--state {settings.State}: {problem}");
        }

        using var stateLock = StateDirectoryLock.Acquire(settings.State, "--state");

        var connection = _connect(address, token, new GrpcConnectionOptions { BulkUploads = !settings.NoBulkUploads });
        using var disposal = connection as IDisposable;
        var options = _tuneRunner(new NodeRunnerOptions
        {
            RunId = settings.Run,
            FreshState = settings.Fresh,
            StateDirectory = settings.State,
            FirstJoinTimeout = settings.JoinTimeoutSeconds == 0 ? Timeout.InfiniteTimeSpan : TimeSpan.FromSeconds(settings.JoinTimeoutSeconds),
            Training = new NodeTrainingOptions { Seed = settings.Seed },
        });
        var watch = settings.WatchData ? new DataFileWatch(dataPath) : null;
        if (watch is not null)
        {
            options = options with { DataChanged = watch.Changed };
        }

        _console.MarkupLine($"Node connecting to [bold]{Markup.Escape(address.ToString())}[/], data [bold]{Markup.Escape(dataPath)}[/], state [bold]{Markup.Escape(Path.GetFullPath(settings.State))}[/]");
        var runner = new NodeRunner(
            connection,
            model =>
            {
                // Marked before the read, so that rows written while it reads are seen before the next round.
                watch?.Mark();
                return LoadData(source, model, settings);
            },
            options,
            new ConsoleProgress(_console),
            _loggerFactory.CreateLogger<NodeRunner>());
        var summary = await runner.RunAsync(cancellationToken).ConfigureAwait(false);
        if (summary.Validation.Count > 0)
        {
            _console.Write(MetricsTable(summary.Validation, $"Version {summary.ModelVersion} on local validation data"));
        }

        return summary.Completed ? ExitCodes.Ok : ExitCodes.Stopped;
    }

    private int Evaluate(NodeSettings settings, DataPart part, FileInfo? model, bool explain, string[]? memberStates)
    {
        if (OpenMembers(settings, memberStates, explain, model) is { } members)
        {
            return EvaluateEnsemble(members, part);
        }

        var (global, session) = OpenModel(settings, model);
        using (session)
        {
            var metrics = session.Evaluate(part);
            _console.Write(MetricsTable(metrics, $"Run {global.RunId}, version {global.ModelVersion}, local state of round {session.LastRound?.ToString(CultureInfo.InvariantCulture) ?? "none"}: {part.ToString().ToLowerInvariant()} data"));
            if (explain)
            {
                WriteMeanGateWeights(session, part);
            }

            return ExitCodes.Ok;
        }
    }

    private int Recommend(NodeSettings settings, string user, int k, string? rankBy, bool includeSeen, bool explain, string[]? memberStates)
    {
        if (k < 1)
        {
            throw new UsageException($"--k must be ≥ 1, not {k}");
        }

        var members = OpenMembers(settings, memberStates, explain);
        var (global, session) = members is null ? OpenModel(settings) : (members.First, members.FirstSession);
        using ((IDisposable?)members ?? session)
        {
            // Checked here, so that each says what to change: the schema (exit 3) or the option (exit 2).
            var table = session.Data.Table;
            if (table.Schema.UserField is null || table.Schema.ItemField is null)
            {
                throw new DataFormatException("the data's schema names no user field and item field (userField, itemField), so the node cannot recommend");
            }

            if (!table.TryFindUser(user, out _, out _))
            {
                throw new UsageException($"user '{user}' is not in the data (--user takes a user key as it appears in the data)");
            }

            if (rankBy is not null && global.Spec.TaskIndex(rankBy) < 0)
            {
                throw new UsageException($"--rank-by: the model has no task '{rankBy}' (its tasks: {string.Join(", ", global.Spec.Tasks.Select(t => t.Name))})");
            }

            var items = members is null ? session.Recommend(user, k, excludeSeen: !includeSeen, rankBy) : RecommendByEnsemble(members, user, k, !includeSeen, rankBy);
            if (members is not null)
            {
                // A line of its own: a table title is wrapped to the table's width.
                _console.MarkupLine($"Scored by the mean of {members.Count} runs: {Markup.Escape(members.Describe())}");
            }

            var source = members is null ? $"run {global.RunId}, version {global.ModelVersion}" : $"mean of {members.Count} runs";
            var output = new Table().Title($"Top {k} for user {Markup.Escape(user)} ({Markup.Escape(source)})");
            output.AddColumn("#");
            output.AddColumn("item");
            foreach (var task in global.Spec.Tasks)
            {
                output.AddColumn(new TableColumn(Markup.Escape(task.Name + (task.Kind == TaskKind.Binary ? " (p)" : ""))).RightAligned());
            }

            for (var i = 0; i < items.Count; i++)
            {
                var row = new List<string> { (i + 1).ToString(CultureInfo.InvariantCulture), Markup.Escape(items[i].Item) };
                row.AddRange(global.Spec.Tasks.Select(t => items[i].Predictions[t.Name].ToString("0.000", CultureInfo.InvariantCulture)));
                output.AddRow([.. row]);
            }

            _console.Write(output);
            if (explain)
            {
                WriteRecommendationExplanations(session, user, items);
            }

            return ExitCodes.Ok;
        }
    }

    /// <summary>The global model (the state directory's last version, or <paramref name="model"/>, an exported safetensors file) with a session over the local data and state.</summary>
    private (GlobalModel Global, NodeTrainingSession Session) OpenModel(NodeSettings settings, FileInfo? model = null)
    {
        var dataPath = Require(settings.Data, "--data", "Data");
        var source = ExampleSources.Open(dataPath, settings.Schema);
        var path = Path.Combine(settings.State, GlobalModelStore.FileName);
        var global = model is not null
            ? ExportedModel.Load(model.FullName)
            : GlobalModelStore.TryLoad(path)
                ?? throw new LocalStateException($"{path} does not exist: run the node against a coordinator first (run --coordinator URL --token T --data PATH), or point --state at its state directory");
        var data = LoadData(source, global.Model, settings);
        if (!File.Exists(Path.Combine(settings.State, NodeTrainingSession.StateFileName)))
        {
            _console.MarkupLine("[yellow]warning:[/] no local state yet: local tensors (user embeddings, local heads) are freshly initialised");
        }

        var session = new NodeTrainingSession(data, settings.State, new NodeTrainingOptions { Seed = settings.Seed });
        session.LoadShared(global.Parameters, global.ModelVersion);
        return (global, session);
    }

    private NodeDataset LoadData(IExampleSource source, CompiledModel model, NodeSettings settings)
    {
        var data = NodeDataset.Load(source, model, Split(settings));
        var report = data.Report;
        _console.MarkupLine($"Read {report.GoodRows.ToString(CultureInfo.InvariantCulture)} examples ({data.Split.Train.Length} train, {data.Split.Validation.Length} validation, {data.Split.Test.Length} test)");
        if (report.BadRows > 0)
        {
            _console.MarkupLine($"[yellow]warning:[/] {Markup.Escape(report.ToString())}");
        }

        return data;
    }
}
