using System.CommandLine;
using System.Globalization;
using Federated.Client.Data;
using Federated.Client.Training;
using Federated.Model.Metrics;
using Federated.Model.Training;
using Spectre.Console;

namespace Federated.Client.Cli;

/// <summary><c>finetune</c>: the node tunes its local tensors on its own data over a finished global model.</summary>
public sealed partial class NodeCommandLine
{
    // Numbers are taken as text and parsed in ResolveFineTune, so that a wrong one gets a sentence, not .NET's type names.
    private readonly Option<string?> _init = new("--init") { Description = "Start from this exported model (a safetensors file from 'admin export') instead of the state directory's last version; local tensors still come from --state" };
    private readonly Option<string?> _epochs = new("--epochs") { Description = "Most passes over the local training split, ≥ 1 (default 5)" };
    private readonly Option<string?> _patience = new("--patience") { Description = "Epochs without a lower validation loss before stopping, ≥ 1, or 'none' (default 2); the best epoch is kept either way" };
    private readonly Option<string?> _learningRate = new("--learning-rate") { Description = "Learning rate, > 0 (default 0.05)" };
    private readonly Option<string?> _batchSize = new("--batch-size") { Description = "Examples per step, ≥ 1 (default 64)" };
    private readonly Option<string?> _optimizer = new("--optimizer") { Description = "sgd, momentum or adam (default sgd)" };
    private readonly Option<bool> _all = new("--all") { Description = "Tune the shared tensors too (kept on this machine in the global-model.bin written to --out, which it needs; never uploaded); default: shared tensors frozen, only local ones learn" };
    private readonly Option<string?> _out = new("--out") { Description = "Write the tuned state (local-state.bin and global-model.bin) to this directory instead of back into --state" };

    private const string AllNeedsOut = "--all tunes the shared tensors too: write the result to another directory with --out DIR, so that --state keeps the federation's model";

    private Command BuildFineTune()
    {
        var finetune = new Command("finetune", "Tune this node's local task heads and local embeddings on its own data over a finished global model (early stopping on validation); prints per-task metrics before and after");
        finetune.Options.Add(_init);
        finetune.Options.Add(_epochs);
        finetune.Options.Add(_patience);
        finetune.Options.Add(_learningRate);
        finetune.Options.Add(_batchSize);
        finetune.Options.Add(_optimizer);
        finetune.Options.Add(_all);
        finetune.Options.Add(_out);
        finetune.SetAction((parse, ct) => Guarded(() => Task.FromResult(FineTune(Resolve(parse), ResolveFineTune(parse), parse.GetValue(_init), parse.GetValue(_out), ct)), ct));
        return finetune;
    }

    /// <summary>The tuning options of a parse, checked before any file is read.</summary>
    /// <exception cref="UsageException">A value does not parse or is out of its bounds.</exception>
    private FineTuneOptions ResolveFineTune(ParseResult parse)
    {
        var defaults = new FineTuneOptions();
        var patienceText = parse.GetValue(_patience);
        var options = new FineTuneOptions
        {
            Epochs = Whole(parse.GetValue(_epochs), defaults.Epochs, "--epochs"),
            Patience = string.Equals(patienceText, "none", StringComparison.OrdinalIgnoreCase) ? null : Whole(patienceText, defaults.Patience!.Value, "--patience"),
            BatchSize = Whole(parse.GetValue(_batchSize), defaults.BatchSize, "--batch-size"),
            LearningRate = LearningRate(parse.GetValue(_learningRate), defaults.LearningRate),
            Optimizer = parse.GetValue(_optimizer) is { } name ? Optimizer(name) : defaults.Optimizer,
            TuneShared = parse.GetValue(_all),
        };
        if (options.TuneShared && parse.GetValue(_out) is null)
        {
            throw new UsageException(AllNeedsOut);
        }

        try
        {
            options.Validate();
        }
        catch (ArgumentException e)
        {
            throw new UsageException(e.Message);
        }

        return options;

        static int Whole(string? text, int fallback, string option) =>
            text is null ? fallback
            : int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value
            : throw new UsageException($"{option} must be a whole number, not '{text}'");

        static float LearningRate(string? text, float fallback) =>
            text is null ? fallback
            : float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value
            : throw new UsageException($"--learning-rate must be a number > 0, not '{text}'");

        static Federated.Model.Optimization.OptimizerKind Optimizer(string name)
        {
            try
            {
                return LocalTrainingPlan.ParseOptimizer(name);
            }
            catch (TrainingPlanException)
            {
                throw new UsageException($"--optimizer must be sgd, momentum or adam, not '{name}'");
            }
        }
    }

    private int FineTune(NodeSettings settings, FineTuneOptions options, string? init, string? outDirectory, CancellationToken cancellationToken)
    {
        var dataPath = Require(settings.Data, "--data", "Data");
        var source = ExampleSources.Open(dataPath, settings.Schema);
        var globalPath = Path.Combine(settings.State, GlobalModelStore.FileName);
        var global = init is not null
            ? ExportedModel.Load(Path.GetFullPath(init), "--init")
            : GlobalModelStore.TryLoad(globalPath)
                ?? throw new LocalStateException($"{globalPath} does not exist: run the node against a coordinator first, point --state at its state directory, or start from an exported model with --init FILE");

        // Where the result goes, checked before any training: a directory of another run or model is never overwritten,
        // and tuned shared tensors never replace the federation's model in the state directory.
        var target = outDirectory ?? settings.State;
        if (options.TuneShared && SameDirectory(target, settings.State))
        {
            throw new UsageException(AllNeedsOut);
        }

        var writesGlobal = init is not null || !SameDirectory(target, settings.State);
        if (writesGlobal && GlobalModelStore.TryReadIdentity(Path.Combine(target, GlobalModelStore.FileName)) is { } existing
            && (existing.RunId != global.RunId || existing.Fingerprint != global.Model.Fingerprint))
        {
            throw new LocalStateException(
                $"{Path.GetFullPath(target)} holds run '{existing.RunId}' (layout {existing.Fingerprint}); the model to tune is of run '{global.RunId}' (layout {global.Model.Fingerprint}): write it elsewhere with --out DIR");
        }

        if (outDirectory is not null && WritableDirectory.Problem(outDirectory) is { } problem)
        {
            throw new UsageException($"--out {outDirectory}: cannot write the tuned state there: {problem}");
        }

        // The directory written is not another node process's while it runs (one node per state directory).
        using var targetLock = StateDirectoryLock.Acquire(target, outDirectory is null ? "--state" : "--out");

        var data = LoadData(source, global.Model, settings);
        if (data.Split.Train.Length == 0)
        {
            throw new DataFormatException("the node has no training examples to fine-tune on");
        }

        if (!File.Exists(Path.Combine(settings.State, NodeTrainingSession.StateFileName)))
        {
            _console.MarkupLine("[yellow]warning:[/] no local state yet: local tensors (user embeddings, local heads) start freshly initialised");
        }

        using var session = new NodeTrainingSession(data, settings.State, new NodeTrainingOptions { Seed = settings.Seed });
        session.LoadShared(global.Parameters, global.ModelVersion);
        var before = Metrics(session);
        _console.MarkupLine(Markup.Escape(
            $"Fine-tuning {(options.TuneShared ? "every tensor (shared ones kept on this machine)" : "local tensors over the frozen shared model")} of run {global.RunId}, version {global.ModelVersion}: " +
            $"up to {options.Epochs} epochs, {LocalTrainingPlan.OptimizerName(options.Optimizer)} at {options.LearningRate.ToString(CultureInfo.InvariantCulture)}, batch {options.BatchSize}"));
        var result = FineTuner.Run(session, options, settings.Seed, (epoch, loss) =>
            _console.MarkupLine(double.IsNaN(loss)
                ? $"epoch {epoch}"
                : $"epoch {epoch}: validation loss {loss.ToString("0.0000", CultureInfo.InvariantCulture)}"), cancellationToken);
        var after = Metrics(session);
        _console.Write(BeforeAfterTable(before, after));

        Directory.CreateDirectory(target);
        var statePath = Path.Combine(target, NodeTrainingSession.StateFileName);
        LocalStateStore.Save(statePath, session.Parameters, global.ModelVersion, session.LastRound ?? 0);
        var written = Path.GetFullPath(statePath);
        if (writesGlobal)
        {
            var path = Path.Combine(target, GlobalModelStore.FileName);
            GlobalModelStore.Save(path, global.RunId, global.ModelVersion, global.Spec, session.Parameters);
            written += $" and {Path.GetFullPath(path)}{(options.TuneShared ? " (tuned shared tensors: on this machine only, never uploaded)" : "")}";
        }

        var kept = result.Validated
            ? $"kept epoch {result.KeptEpoch} of {result.EpochsRun} (validation loss {result.ValidationLosses[0].ToString("0.0000", CultureInfo.InvariantCulture)} → {result.ValidationLosses[result.KeptEpoch].ToString("0.0000", CultureInfo.InvariantCulture)})"
            : $"no validation rows: kept the last of {result.EpochsRun} epochs";
        _console.MarkupLine(Markup.Escape($"{kept}; wrote {written}"));
        return ExitCodes.Ok;
    }

    private static (IReadOnlyList<TaskMetrics> Validation, IReadOnlyList<TaskMetrics> Test) Metrics(NodeTrainingSession session) =>
        (session.Evaluate(DataPart.Validation), session.Evaluate(DataPart.Test));

    private static Table BeforeAfterTable((IReadOnlyList<TaskMetrics> Validation, IReadOnlyList<TaskMetrics> Test) before, (IReadOnlyList<TaskMetrics> Validation, IReadOnlyList<TaskMetrics> Test) after)
    {
        var table = new Table().Title("Before and after fine-tuning");
        table.AddColumn("task");
        table.AddColumn("data");
        table.AddColumn(new TableColumn("examples").RightAligned());
        table.AddColumn("before");
        table.AddColumn("after");
        for (var t = 0; t < before.Validation.Count; t++)
        {
            foreach (var (part, was, now) in new[] { ("validation", before.Validation[t], after.Validation[t]), ("test", before.Test[t], after.Test[t]) })
            {
                table.AddRow(
                    Markup.Escape(was.TaskName),
                    part,
                    was.ToFigures()["count"].ToString("0", CultureInfo.InvariantCulture),
                    Markup.Escape(ShownFigures(was)),
                    Markup.Escape(ShownFigures(now)));
            }
        }

        return table;
    }

    private static bool SameDirectory(string a, string b) =>
        string.Equals(Path.TrimEndingDirectorySeparator(Path.GetFullPath(a)), Path.TrimEndingDirectorySeparator(Path.GetFullPath(b)), OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);
}
