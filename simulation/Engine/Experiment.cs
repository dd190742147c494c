using System.Diagnostics;
using System.Globalization;
using Federated.Client.Training;
using Federated.Coordinator.Aggregation.Privacy;
using Federated.Coordinator.Runs;
using Federated.Model.Parameters;
using Federated.Model.Spec;
using Federated.Model.Training;
using Federated.Simulation.Cli;
using Federated.Simulation.Attacks;
using Federated.Simulation.Partitioning;
using Federated.Simulation.Reports;

namespace Federated.Simulation.Engine;

/// <summary>
/// One experiment: virtual clients from a data set and a partition, the federated series through a coordinator
/// (in memory by default), and the local-only and centralised references on the same split, gathered in an
/// <see cref="ExperimentReport"/> with wall time and peak memory.
/// </summary>
public sealed class Experiment
{
    /// <summary>A title for the report.</summary>
    public required string Title { get; init; }

    /// <summary>The command line, for the report.</summary>
    public required string CommandLine { get; init; }

    /// <summary>The data and its split.</summary>
    public required SimulationData Data { get; init; }

    /// <summary>Which examples each client holds.</summary>
    public required DataPartition Partition { get; init; }

    /// <summary>Run settings.</summary>
    public SimulationOptions Options { get; init; } = new();

    /// <summary>Reference figures from outside the run, task → label → metric → value.</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, IReadOnlyDictionary<string, double>>>? Anchors { get; init; }

    /// <summary>Extra settings for the report (data set, model, …).</summary>
    public IReadOnlyDictionary<string, string>? Settings { get; init; }

    /// <summary>
    /// Creates the coordinator of the federated series for a run config, the model its spec compiles to (the data's
    /// <see cref="SimulationData.Model"/>, for the clients' connections to share) and a number of clients; default
    /// <see cref="InMemoryFederationHost"/>.
    /// </summary>
    public Func<Federated.Coordinator.Runs.RunConfig, CompiledModel, int, CancellationToken, Task<IFederationHost>>? HostFactory { get; init; }

    /// <summary>Whether to train the references (tests of the federated series alone skip them). Default true.</summary>
    public bool WithReferences { get; init; } = true;

    /// <summary>
    /// Checks the run config the options make (strategy name and parameters included) without running anything.
    /// </summary>
    /// <exception cref="Federated.Coordinator.Runs.RunConfigException">The config is invalid; the message names the key.</exception>
    /// <exception cref="ArgumentException">A budget option is out of range, or time release is asked of data without timestamps.</exception>
    /// <remarks>
    /// Checked for every client of the partition; a client left out for lack of training rows can still make a rule's
    /// precondition (e.g. Krum's n ≥ 2f + 3) fail when the run starts, with the same message.
    /// </remarks>
    public void ValidateRunConfig()
    {
        Options.ValidateBudget();
        if (Options.ReleaseByTime is { } k && !Data.Schema.HasTime)
        {
            // Also refused by TimeRelease; said here so that nothing trains first.
            throw new ArgumentException($"--release-by-time {k}: the data '{Data.Name}' has no timestamps to release it by (MovieLens has; a CSV needs a time column in its schema)");
        }

        // The run is created with shared output biases resolved from data (WithSharedOutputBiases), which a private or
        // secure run needs: its coordinator refuses a shared head that would ask the nodes for plaintext label statistics.
        // The values do not matter to validation, so no statistics are computed here.
        Options.RunConfig(DataOutputBias.WithSharedBiases(Data.Spec, new OutputBiasStatistics[Data.Spec.Tasks.Count]), Math.Max(1, Partition.ClientNames.Count));
    }

    /// <summary>The malicious clients chosen for this experiment, or null when it has no attack.</summary>
    /// <param name="clients">Clients kept (those with a training example).</param>
    /// <exception cref="ArgumentException"><see cref="SimulationOptions.Malicious"/> is not in [0, clients).</exception>
    public ExperimentAttack? ChooseAttack(int clients) => Options.Attack is { } spec
        ? new ExperimentAttack(spec, MaliciousClients.Choose(clients, Options.Malicious, Options.Seed), Options.Seed)
        : null;

    /// <summary>
    /// Runs it. With an attack, the references (local-only, centralised) train on the true labels: they measure what
    /// honest clients could reach, and the attack touches only the federated series.
    /// </summary>
    public async Task<ExperimentReport> RunAsync(Action<SimulationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        Options.ValidateBudget();
        var clients = VirtualClients.Build(Data, Partition, Options.Seed, Options.ValidationFraction);
        if (clients.Count == 0)
        {
            throw new InvalidOperationException("no client has a training example");
        }

        var model = WithSharedOutputBiases(clients);
        var config = Options.RunConfig(model.Spec, clients.Count, clients.Examples.Max(e => (long)e.Length));
        var settings = new Dictionary<string, string>(StringComparer.Ordinal) { ["data"] = Data.Name, ["model"] = ModelDescription.Of(Data.Spec) };
        foreach (var (key, value) in Settings ?? new Dictionary<string, string>())
        {
            settings[key] = value;
        }

        if (Options.HasValidation)
        {
            var validation = clients.IsValidation.Count(v => v);
            settings["examples (train / validation / test)"] = $"{Data.IsTest.Count(t => !t) - validation} / {validation} / {Data.IsTest.Count(t => t)}";
            settings["best version"] = string.Create(
                CultureInfo.InvariantCulture,
                $"each series reports the test figures of its best version by validation {Options.SelectBy ?? ValidationSelection.Default(Data.Spec)} ({Options.ValidationFraction} of each client's training rows)")
                + (Options.Patience is { } p ? string.Create(CultureInfo.InvariantCulture, $", stopping after {p} rounds without improvement") : ", no early stop");
        }
        else
        {
            settings["examples (train / test)"] = $"{Data.IsTest.Count(t => !t)} / {Data.IsTest.Count(t => t)}";
        }
        if (clients.Dropped > 0)
        {
            settings["clients left out (no training example)"] = clients.Dropped.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        foreach (var (key, value) in Options.Describe())
        {
            settings[key] = value;
        }

        if (PrivacyPlan.From(config) is { } plan)
        {
            settings["privacy"] = PrivacySpec.Describe(plan);
        }

        var attack = ChooseAttack(clients.Count);
        var federation = clients;
        if (attack is not null)
        {
            settings["attack"] = attack.Spec.ToString();
            settings["malicious clients"] = string.Create(CultureInfo.InvariantCulture, $"{string.Join(", ", attack.Malicious.Select(c => clients.Names[c]))} ({attack.Malicious.Count} of {clients.Count}, chosen by seed {Options.Seed})");
            if (attack.Spec.Kind == AttackKind.LabelFlip)
            {
                federation = clients.WithFlippedTrainingLabels(attack.Malicious);
            }
        }

        var report = new ExperimentReport
        {
            Title = Title,
            CommandLine = CommandLine,
            Seed = Options.Seed,
            Partitioner = Partition.Description,
            Clients = clients.Count,
            Rounds = Options.Rounds,
            Settings = settings,
            TaskMetrics = MetricRecorder.MetricsOf(Data.Spec),
            Anchors = Anchors ?? new Dictionary<string, IReadOnlyDictionary<string, IReadOnlyDictionary<string, double>>>(),
        };

        using var pool = new WorkerPool(Data.Model, Options.NodeOptions(), Options.Workers, attack);
        var factory = HostFactory ?? ((c, m, n, _) => Task.FromResult<IFederationHost>(new InMemoryFederationHost(c, m, n)));
        var federatedClock = Stopwatch.StartNew();
        if (Options.Ensemble > 1)
        {
            await RunEnsembleAsync(federation, model, factory, pool, report, settings, progress, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            var host = await factory(config, model, clients.Count, cancellationToken).ConfigureAwait(false);
            await using (host.ConfigureAwait(false))
            {
                settings["transport"] = host.Transport;
                var driver = new FederatedDriver(federation, Options, pool);
                await driver.RunAsync(host, report, progress, cancellationToken).ConfigureAwait(false);
                DescribePrivacySpent(config, host, driver.LastVersion, settings);
            }
        }

        settings["federated wall time"] = $"{federatedClock.Elapsed.TotalSeconds:F1} s";
        if (WithReferences)
        {
            var referenceClock = Stopwatch.StartNew();
            await new ReferenceRunner(clients, Options, pool).RunAsync(report, progress, cancellationToken).ConfigureAwait(false);
            settings["references wall time"] = $"{referenceClock.Elapsed.TotalSeconds:F1} s";
        }

        report.WallSeconds = clock.Elapsed.TotalSeconds;
        using var process = Process.GetCurrentProcess();
        report.PeakMemoryBytes = process.PeakWorkingSet64;
        return report;
    }

    /// <summary>
    /// The federated series as an ensemble (<see cref="SimulationOptions.Ensemble"/>): one federation per member, each on
    /// its own coordinator run with the member's seed, one after another; then the members' mean predictions are scored
    /// round by round, and with validation the mean's validation figure picks the reported round and stops the series
    /// where a single federation with the same patience would have stopped (members train every round regardless).
    /// </summary>
    private async Task RunEnsembleAsync(
        VirtualClients federation,
        CompiledModel model,
        Func<RunConfig, CompiledModel, int, CancellationToken, Task<IFederationHost>> factory,
        WorkerPool pool,
        ExperimentReport report,
        Dictionary<string, string> settings,
        Action<SimulationProgress>? progress,
        CancellationToken cancellationToken)
    {
        var members = Options.Ensemble;
        var predictions = new EnsemblePredictions(Data.Spec, federation.Count, Options.MetricBins);
        for (var m = 0; m < members; m++)
        {
            var options = Options.ForMember(m);
            var config = options.RunConfig(model.Spec, federation.Count, federation.Examples.Max(e => (long)e.Length));
            var host = await factory(config, model, federation.Count, cancellationToken).ConfigureAwait(false);
            await using (host.ConfigureAwait(false))
            {
                settings["transport"] = host.Transport;
                var member = m;
                Action<SimulationProgress>? memberProgress = progress is null
                    ? null
                    : p => progress(p with { Done = (member * p.Total) + p.Done, Total = members * p.Total });
                await new FederatedDriver(federation, options, pool, predictions, m).RunAsync(host, report, memberProgress, cancellationToken).ConfigureAwait(false);
            }
        }

        var selection = Options.SelectBy ?? ValidationSelection.Default(Data.Spec);
        var stopping = Options.HasValidation ? new EarlyStopping(selection.HigherIsBetter, Options.Patience) : null;
        for (var round = 0; round < predictions.Rounds && stopping is not { ShouldStop: true }; round++)
        {
            var validation = Options.HasValidation ? predictions.Metrics(round, DataPart.Validation, members) : [];
            FederatedDriver.RecordRound(report, federation, Options, stopping, round, predictions.Metrics(round, DataPart.Test, members), validation);
        }

        var reported = predictions.Rounds - 1;
        if (stopping is not null)
        {
            FederatedDriver.RecordSelection(report, stopping, selection);
            reported = stopping.BestRound >= 0 ? stopping.BestRound : stopping.LastRound;
        }

        settings["ensemble members alone"] = string.Create(CultureInfo.InvariantCulture, $"round {reported}: ") + predictions.DescribeMembers(reported);
    }

    /// <summary>
    /// The run's model: the data's, except that shared heads whose output bias starts from data get the value of the
    /// clients' merged label statistics (each client contributes its training rows' count and sum per task, as a node
    /// would; the coordinator never sees a row), with the flag cleared so the engine runs no label-statistics round for
    /// them. The layout is unchanged, so clients' data and workspaces still fit.
    /// </summary>
    private CompiledModel WithSharedOutputBiases(VirtualClients clients)
    {
        if (!DataOutputBias.AnyIn(Data.Spec, ParameterScope.Shared))
        {
            return Data.Model;
        }

        var merged = new OutputBiasStatistics[Data.Spec.Tasks.Count];
        foreach (var client in clients.Datasets)
        {
            var statistics = DataOutputBias.Statistics(client);
            for (var t = 0; t < merged.Length; t++)
            {
                merged[t] += statistics[t];
            }
        }

        return CompiledModel.Compile(DataOutputBias.WithSharedBiases(Data.Spec, merged));
    }

    /// <summary>What a private run spent, read from the ledger stored with its last version: z, the final S, δ and ε.</summary>
    private static void DescribePrivacySpent(RunConfig config, IFederationHost host, long lastVersion, Dictionary<string, string> settings)
    {
        if (PrivacyPlan.From(config) is not { } plan || host.LoadStrategyState(lastVersion) is not { } state)
        {
            return;
        }

        var ledger = PrivacyLedger.Deserialize(state, plan).Ledger;
        var spent = ledger.Spent;
        // A private secure round that failed released nothing but is counted as a sampled step, so steps may exceed versions.
        var failed = ledger.Steps > lastVersion
            ? string.Create(CultureInfo.InvariantCulture, $" ({ledger.Steps - lastVersion} of them secure rounds that failed and released nothing, counted as sampled steps; {lastVersion} versions)")
            : "";
        settings["privacy spent"] = string.Create(
            CultureInfo.InvariantCulture,
            $"ε = {spent.Epsilon:G6} at δ = {spent.Delta:G4} (RDP order {spent.Order:G4}) after {ledger.Steps} rounds at z = {ledger.NoiseMultiplier:G6}{failed}; final clip norm S = {ledger.ClipNorm:G6}");
    }
}
