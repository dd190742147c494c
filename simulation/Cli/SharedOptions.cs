using System.CommandLine;
using Federated.Coordinator.Runs;
using Federated.Model.Parameters;
using Federated.Model.Spec;
using Federated.Model.Training;
using Federated.Simulation.Attacks;
using Federated.Simulation.Engine;

namespace Federated.Simulation.Cli;

/// <summary>
/// The options that several commands share (one instance each, added to every command that takes them), and the
/// reading of a parse result into <see cref="SimulationOptions"/>: command line over <c>--options</c> file over the
/// command's defaults. Every refusal is an <see cref="ArgumentException"/> naming the option, printed as one line.
/// </summary>
internal sealed class SharedOptions
{
    public SharedOptions()
    {
        Transport.AcceptOnlyFromAmong("in-memory", "grpc");
        Optimizer.AcceptOnlyFromAmong("sgd", "momentum", "adam");
        ReferenceOptimizer.AcceptOnlyFromAmong("sgd", "momentum", "adam");
        Common = [Seed, Rounds, LocalEpochs, BatchSize, LearningRate, Optimizer, Fraction, Workers, L2, Transport, Output, Summary, Strategy, Attack, Malicious, CompareStrategies, DpNoise, DpClip, DpDelta, SampleRate, DpSweep, ValidationFraction, Patience, SelectBy, ReferenceRounds, ReferenceOptimizer, ReferenceLearningRate, ReferenceBatchSize, ReleaseByTime, Ensemble, OptionsFilePath, ClipNorm, SecureAggregation, SaThreshold, SaNeighbours, Dropout];
    }

    public Option<int> Seed { get; } = new("--seed") { Description = "Seed of the split, the partition, the model and the clients", DefaultValueFactory = _ => 1 };

    public Option<int?> Rounds { get; } = new("--rounds") { Description = "Federated rounds (references: rounds × local epochs passes)" };

    public Option<int?> LocalEpochs { get; } = new("--local-epochs") { Description = "Passes over a client's training rows per round" };

    public Option<int?> BatchSize { get; } = new("--batch-size") { Description = "Examples per step" };

    public Option<float?> LearningRate { get; } = new("--learning-rate") { Description = "Local learning rate" };

    public Option<string> Optimizer { get; } = new("--optimizer") { Description = "Local optimiser: sgd, momentum or adam (fresh every round)", DefaultValueFactory = _ => "adam" };

    public Option<double?> Fraction { get; } = new("--fraction") { Description = "Fraction of clients selected per round (default: all)" };

    public Option<int> Workers { get; } = new("--workers") { Description = "Worker threads training clients in parallel", DefaultValueFactory = _ => 2 };

    /// <summary>Taken by movielens and csv only (the synthetic model's fields set their own).</summary>
    public Option<int?> Dim { get; } = new("--dim") { Description = "Embedding dimension: movielens's main fields; csv's fields whose schema gives no dim (default 16 in both)" };

    public Option<float?> L2 { get; } = new("--l2") { Description = "L2 coefficient of the model (dense weights and the embedding rows of each batch)" };

    public Option<string?> Output { get; } = new("--out") { Description = "Report folder (default reports/<experiment>-<seed>)" };

    public Option<string?> Summary { get; } = new("--summary") { Description = "Also write the machine-readable JSON summary to this path" };

    /// <summary>Taken by movielens, csv and tune (the synthetic federation has one client per institution).</summary>
    public Option<int> Clients { get; } = new("--clients") { Description = "Clients of iid and dirichlet partitions", DefaultValueFactory = _ => 10 };

    public Option<string> Transport { get; } = new("--transport")
    {
        Description = "in-memory: clients call the round engine directly; grpc: the coordinator service on loopback, each client over its own gRPC connection",
        DefaultValueFactory = _ => "in-memory",
    };

    public Option<string?> Strategy { get; } = new("--strategy")
    {
        Description = "Aggregation strategy NAME[:key=value,...], any the coordinator knows, e.g. fedavg:serverLearningRate=0.5 (default fedavg, server learning rate 1)",
    };

    public Option<string?> Attack { get; } = new("--attack")
    {
        Description = "What the malicious clients do: sign-flip (send −Δ), scale:K (K·Δ), gaussian:SIGMA (N(0, σ²) noise instead of Δ), both after clipping; label-flip (train on flipped labels)",
    };

    public Option<int> Malicious { get; } = new("--malicious") { Description = "How many clients attack (chosen by the seed), in [0, clients)", DefaultValueFactory = _ => 0 };

    public Option<string?> CompareStrategies { get; } = new("--compare-strategies")
    {
        Description = "Run the same federation (seed, attack, malicious clients) once per strategy a,b,c (each NAME[:key=value,...]), plus a clean FedAvg run; one table and one plot per task",
    };

    public Option<double?> DpNoise { get; } = new("--dp-noise") { Description = "Differential privacy (DP-FedAvg at the coordinator): noise multiplier z; needs --dp-clip" };

    public Option<string?> DpClip { get; } = new("--dp-clip") { Description = "Clip norm S of each whole update, or 'adaptive' (S₀ = 0.1 tracking the median norm); needs --dp-noise" };

    public Option<double?> DpDelta { get; } = new("--dp-delta") { Description = "δ of the reported (ε, δ) (default 1e-5)" };

    public Option<double?> SampleRate { get; } = new("--sample-rate") { Description = "q: with privacy each client takes part in a round with probability q (Poisson sampling), as the accountant assumes (default --fraction, or 1)" };

    public Option<string?> DpSweep { get; } = new("--dp-sweep")
    {
        Description = "Run the same federation once per noise multiplier Z1,Z2,… (with --dp-clip, --dp-delta, --sample-rate) and once without privacy; one privacy–utility table (ε against every task's figures) and one plot per task",
    };

    public Option<double?> ValidationFraction { get; } = new("--validation-fraction")
    {
        Description = "Share of each client's training rows held out for validation (seeded, the same rows for every series); every series then reports its best version by validation. Default 0: off",
    };

    public Option<int?> Patience { get; } = new("--patience") { Description = "Rounds without validation improvement before a series stops (needs --validation-fraction). Default: no early stop" };

    public Option<string?> SelectBy { get; } = new("--select-by") { Description = "TASK:METRIC that picks the best version on validation, e.g. like:auc (default: the first task's headline metric)" };

    public Option<int?> ReferenceRounds { get; } = new("--reference-rounds") { Description = "Rounds of the local-only and centralised references (default: --rounds); with --patience they stop earlier on their own validation" };

    public Option<string?> ReferenceOptimizer { get; } = new("--reference-optimizer") { Description = "Local optimiser of the local-only and centralised references: sgd, momentum or adam (default: --optimizer)" };

    public Option<float?> ReferenceLearningRate { get; } = new("--reference-learning-rate") { Description = "Learning rate of the references (default: --learning-rate)" };

    public Option<int?> ReferenceBatchSize { get; } = new("--reference-batch-size") { Description = "Examples per step of the references (default: --batch-size)" };

    public Option<int?> ReleaseByTime { get; } = new("--release-by-time")
    {
        Description = "K: data arrives over time; in round r every client trains on the earliest r/K of its training rows by timestamp, all from round K on (needs timestamps: movielens, or csv with a time column). Default: all rows from round 1",
    };

    public Option<int> Ensemble { get; } = new("--ensemble")
    {
        Description = "K: every series is the mean prediction of K models that differ only in their seeds (seed … seed+K−1), the federated one K federations (K× the training and communication), in [1, 32]; not with differential privacy",
        DefaultValueFactory = _ => 1,
    };

    public Option<double?> ClipNorm { get; } = new("--clip-norm") { Description = "Node-side clip norm S of each whole update (default: none; with --secure-aggregation 100)" };

    public Option<bool> SecureAggregation { get; } = new("--secure-aggregation") { Description = "Secure aggregation (SecAgg, Bonawitz et al. 2017): the coordinator learns only each round's sum of clipped updates" };

    public Option<int?> SaThreshold { get; } = new("--sa-threshold") { Description = "Secure aggregation's threshold t ≥ 2: shares needed to unmask, and clients that must remain (default ⌈2n/3⌉ of the selected, or of k + 1)" };

    public Option<int?> SaNeighbours { get; } = new("--sa-neighbours") { Description = "Secure aggregation's neighbours k per client (even; default 0 = every pair, SecAgg+ of Bell et al. 2020 otherwise)" };

    public Option<double?> Dropout { get; } = new("--dropout") { Description = "Fraction F in [0, 1) of each round's selected clients that vanish (with --secure-aggregation at a seeded phase; otherwise they never send)" };

    public Option<string?> OptionsFilePath { get; } = new("--options") { Description = "A JSON options file (as simulation tune --out writes); flags on the command line override it" };

    public Option<string?> ModelFilePath { get; } = new("--model")
    {
        Description = "A model spec JSON (fields with dim and buckets or vocabulary, numeric, trunk shared-bottom | mmoe | ple, tasks with towers, …) instead of "
            + "the command's built-in model (stated in its description); its fields, numeric features and tasks must be the data's. Not with --dim",
    };

    /// <summary>The options of every command that runs a federation (all but tune), in their <c>--help</c> order.</summary>
    public IReadOnlyList<Option> Common { get; }

    /// <summary>With <c>--transport grpc</c>, starts the coordinator service on loopback; null runs the engine in memory.</summary>
    public Func<RunConfig, CompiledModel, int, CancellationToken, Task<IFederationHost>>? HostFactory(ParseResult r) => r.GetValue(Transport) == "grpc"
        ? async (config, model, count, cancellationToken) => await GrpcFederationHost.StartAsync(config, model, count, cancellationToken).ConfigureAwait(false)
        : null;

    /// <summary>
    /// The run's options: budget, plan, selection, strategy, privacy and attack, each from the command line, else the
    /// <c>--options</c> file, else the command's default given here. <c>--select-by</c> is applied later, by
    /// <see cref="WithSelection"/>, once the model's tasks are known.
    /// </summary>
    public SimulationOptions ToSimulationOptions(ParseResult r, int defaultRounds, int defaultEpochs, int defaultBatch, float defaultRate)
    {
        var options = BaseOptions(r, defaultRounds, defaultEpochs, defaultBatch, defaultRate);
        if (r.GetValue(Strategy) is { } strategyText)
        {
            if (r.GetValue(CompareStrategies) is not null)
            {
                throw new ArgumentException("--strategy and --compare-strategies: give one or the other");
            }

            var chosen = StrategySpec.Parse(strategyText);
            options = options with { Strategy = chosen.Name, StrategyParameters = chosen.Parameters };
        }

        var noise = r.GetValue(DpNoise);
        if (r.GetValue(DpSweep) is { } sweep)
        {
            if (noise is not null || r.GetValue(CompareStrategies) is not null)
            {
                throw new ArgumentException("--dp-sweep sets the noise of each run: give it without --dp-noise and --compare-strategies");
            }

            if (r.GetValue(DpClip) is null)
            {
                throw new ArgumentException("--dp-sweep needs --dp-clip S|adaptive");
            }

            noise = PrivacySweep.Parse(sweep)[0];
        }

        var (privacy, selected) = PrivacySpec.FromFlags(noise, r.GetValue(DpClip), r.GetValue(DpDelta), r.GetValue(SampleRate), options.FractionPerRound);
        if (privacy is not null)
        {
            options = options with { Privacy = privacy, FractionPerRound = selected };
        }

        // Checked again now that privacy is known (--ensemble with it is refused), before any data loads.
        options.ValidateBudget();
        options = SecureAggregationSpec.Apply(options, r.GetValue(SecureAggregation), r.GetValue(SaThreshold), r.GetValue(SaNeighbours), r.GetValue(Dropout), r.GetValue(ClipNorm), r.GetValue(Transport));
        var count = r.GetValue(Malicious);
        if (r.GetValue(Attack) is { } attackText)
        {
            if (count < 0)
            {
                throw new ArgumentException($"--malicious {count}: must be ≥ 0");
            }

            options = options with { Attack = AttackSpec.Parse(attackText), Malicious = count };
        }
        else if (count != 0)
        {
            throw new ArgumentException("--malicious needs --attack");
        }

        return options;
    }

    /// <summary>
    /// Runs one experiment, or with <c>--compare-strategies</c> one per strategy and a clean one, or with
    /// <c>--dp-sweep</c> one per noise multiplier and one without privacy; <paramref name="build"/>(options, references).
    /// </summary>
    public async Task RunOrCompareAsync(ParseResult r, SimulationOptions options, Func<SimulationOptions, bool, Experiment> build, string folder, CancellationToken cancellationToken)
    {
        if (r.GetValue(DpSweep) is { } noises)
        {
            CheckOutputs(r, folder);
            await PrivacySweep.RunAsync(build, options, PrivacySweep.Parse(noises), folder, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (r.GetValue(CompareStrategies) is { } list)
        {
            CheckOutputs(r, folder);
            await StrategyComparison.RunAsync(build, options, StrategySpec.ParseList(list), folder, cancellationToken).ConfigureAwait(false);
            return;
        }

        var experiment = build(options, true);
        experiment.ValidateRunConfig();
        CheckOutputs(r, folder);
        await ExperimentConsole.RunAsync(experiment, folder, r.GetValue(Summary), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The report folder (<c>--out</c> or the command's default) and <c>--summary</c> can be written: checked before anything trains.</summary>
    public void CheckOutputs(ParseResult r, string folder)
    {
        OutputPaths.CheckFolder(folder, "--out");
        OutputPaths.CheckFile(r.GetValue(Summary), "--summary");
    }

    /// <summary>The <c>--options</c> file, or null; read again by each use (it is small), so a bad one fails before any data loads.</summary>
    public OptionsFile? LoadOptionsFile(ParseResult r) => r.GetValue(OptionsFilePath) is { } file ? OptionsFile.Load(file) : null;

    /// <summary><c>--select-by</c> against the model's tasks (known only once the model is).</summary>
    public SimulationOptions WithSelection(ParseResult r, SimulationOptions options, ModelSpec spec) =>
        r.GetValue(SelectBy) is { } text ? options with { SelectBy = ValidationSelection.Parse(text, spec) } : options;

    /// <summary>
    /// Refuses an options file with dim or hidden: a model the command builds itself takes no dim or trunk from it, which
    /// only the built-in MovieLens model has. <paramref name="why"/> names the model in the message.
    /// </summary>
    public void RefuseShape(ParseResult r, string why)
    {
        if (LoadOptionsFile(r) is { } file && (file.Dim is not null || file.Hidden is not null))
        {
            throw new ArgumentException($"--options {r.GetValue(OptionsFilePath)}: dim and hidden apply to the built-in MovieLens model only, not {why}");
        }
    }

    private SimulationOptions BaseOptions(ParseResult r, int defaultRounds, int defaultEpochs, int defaultBatch, float defaultRate)
    {
        var file = LoadOptionsFile(r);
        var options = new SimulationOptions
        {
            Seed = r.GetValue(Seed),
            Rounds = r.GetValue(Rounds) ?? file?.Rounds ?? defaultRounds,
            Plan = SimulationOptions.DefaultPlan with
            {
                LocalEpochs = r.GetValue(LocalEpochs) ?? file?.LocalEpochs ?? defaultEpochs,
                BatchSize = r.GetValue(BatchSize) ?? file?.BatchSize ?? defaultBatch,
                LearningRate = r.GetValue(LearningRate) ?? file?.LearningRate ?? defaultRate,
                Optimizer = LocalTrainingPlan.ParseOptimizer(r.GetValue(Optimizer)!),
            },
            FractionPerRound = r.GetValue(Fraction),
            Workers = r.GetValue(Workers),
            ValidationFraction = r.GetValue(ValidationFraction) ?? file?.ValidationFraction ?? 0,
            Patience = r.GetValue(Patience) ?? file?.Patience,
            ReferenceRounds = r.GetValue(ReferenceRounds),
            ReleaseByTime = r.GetValue(ReleaseByTime),
            Ensemble = r.GetValue(Ensemble),
        };
        if (r.GetValue(ReferenceOptimizer) is not null || r.GetValue(ReferenceLearningRate) is not null || r.GetValue(ReferenceBatchSize) is not null)
        {
            options = options with
            {
                ReferencePlan = options.Plan with
                {
                    Optimizer = r.GetValue(ReferenceOptimizer) is { } name ? LocalTrainingPlan.ParseOptimizer(name) : options.Plan.Optimizer,
                    LearningRate = r.GetValue(ReferenceLearningRate) ?? options.Plan.LearningRate,
                    BatchSize = r.GetValue(ReferenceBatchSize) ?? options.Plan.BatchSize,
                },
            };
        }

        options.ValidateBudget();
        if (r.GetValue(SelectBy) is not null && !options.HasValidation)
        {
            // Checked here too: the task names that --select-by is parsed against are known only once the model is.
            throw new ArgumentException("--patience and --select-by need --validation-fraction > 0 (they act on validation rows)");
        }

        return options;
    }
}
