using System.Globalization;
using Federated.Coordinator.Aggregation.Privacy;
using Federated.Coordinator.Privacy;
using Federated.Coordinator.Rounds.Pipeline;
using Federated.Coordinator.Runs;
using Federated.Model.Parameters;
using Federated.Model.Spec;

namespace Federated.Coordinator.Rounds;

/// <summary>A run held in memory by the engine.</summary>
/// <remarks>
/// Two locks per run, never held across runs. <see cref="State"/> guards every field and is held only briefly: polls and
/// reads take it alone, so they never wait for a model being written. <see cref="Writer"/> serialises the changes
/// that must not interleave with a commit (updates, deadline checks, status changes); a commit holds it while the new
/// version is aggregated and written, with <see cref="State"/> released, and takes <see cref="State"/> again only to
/// swap the new version in. While it is written the round is open but closing, so no round starts meanwhile.
/// Lock order: <see cref="Writer"/>, then <see cref="State"/>.
/// </remarks>
internal sealed class RunSession
{
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public RunSession(string id, RunConfig config, CompiledModel model, RoundPipeline pipeline, DateTimeOffset createdAt)
    {
        Id = id;
        Config = config;
        Model = model;
        Pipeline = pipeline;
        CreatedAt = createdAt;
        SharedTasks = [.. model.Tasks.Select(t => t.Name).Where(task => model.SharedLayout.Tensors.Any(tensor => model.TaskOf(tensor) == task))];
        LabelStatisticsTasks = [.. config.Spec.Tasks.Where(t => t.Scope == ParameterScope.Shared && t.OutputBiasFromData)];
        NodeTraining = config.SecureAggregation is not null && config.Privacy is not null
            ? config.Training with { ClipNorm = SecureAggregationSettings.NodeClipNorm(config) }
            : config.Training;
    }

    public Lock State { get; } = new();

    public SemaphoreSlim Writer { get; } = new(1, 1);

    /// <summary>Serialises the read-merge-write of federated evaluation summaries.</summary>
    public Lock Evaluations { get; } = new();

    public string Id { get; }

    public RunConfig Config { get; }

    public string ConfigJson { get; set; } = "";

    /// <summary>The run's compiled model; its full layout's fingerprint is the one nodes compute from the spec.</summary>
    public CompiledModel Model { get; }

    /// <summary>The layout of the parameters the coordinator holds and aggregates: the shared projection only.</summary>
    public ParameterLayout Layout => Model.SharedLayout;

    public RoundPipeline Pipeline { get; }

    /// <summary>The tasks that have shared tensors (a shared head), in spec order: every update must count their labelled examples.</summary>
    public IReadOnlyList<string> SharedTasks { get; }

    public DateTimeOffset CreatedAt { get; }

    /// <summary>
    /// The shared tasks whose output bias starts from the nodes' labels (<see cref="TaskSpec.OutputBiasFromData"/>), in spec
    /// order; empty when none does. When not empty, the round that trains from version 0 is a label-statistics round.
    /// </summary>
    public IReadOnlyList<TaskSpec> LabelStatisticsTasks { get; }

    /// <summary>
    /// Whether the next round is the run's label-statistics round: the run has such tasks and no version past 0 yet (a
    /// failed statistics round is retried under a new round number, as any round is).
    /// </summary>
    public bool NeedsLabelStatistics => LabelStatisticsTasks.Count > 0 && Version == 0;

    /// <summary>
    /// The version the run completes at: <see cref="RunConfig.Rounds"/> training rounds, plus version 1 of the
    /// label-statistics round when the run has one (so <c>rounds</c> trains as many rounds with a bias from data as with a
    /// fixed one).
    /// </summary>
    public long TargetVersion => Config.Rounds + (LabelStatisticsTasks.Count > 0 ? 1 : 0);

    /// <summary>
    /// The training plan nodes get: the config's, except that in a private secure run the clip is the privacy clip S
    /// (<see cref="SecureAggregationSettings.NodeClipNorm"/>): nobody but the node can clip its update there.
    /// </summary>
    public Model.Training.LocalTrainingPlan NodeTraining { get; }

    public RunStatus Status { get; set; }

    public string Message { get; set; } = "";

    public long Version { get; set; }

    public int ConsecutiveFailures { get; set; }

    /// <summary>The current global parameters; null for a finished run until someone asks for them.</summary>
    public ParameterSet? Global => Buffers.Current;

    /// <summary>The buffers of the current version and of the spare a row-sparse commit writes the next one into.</summary>
    public VersionBuffers Buffers { get; } = new();

    public RoundSession? OpenRound { get; set; }

    /// <summary>
    /// What a private run has spent as of <see cref="Version"/> (the ledger stored with it); null when the run is not
    /// private, or ended before it could be read.
    /// </summary>
    public PrivacyLedger? Privacy { get; private set; }

    /// <summary>
    /// Why no round may follow <see cref="Version"/>: one more would take ε past the config's <c>targetEpsilon</c>; null
    /// when it would not, or the run has no target. Worked out once per version (<see cref="SetPrivacy"/>), not per poll.
    /// </summary>
    public string? PrivacyBudgetEnd { get; private set; }

    /// <summary>(ε, δ) spent as of <see cref="Version"/>, worked out once per version; null when <see cref="Privacy"/> is.</summary>
    public PrivacySpent? PrivacySpent { get; private set; }

    /// <summary>Records the ledger of <see cref="Version"/> and whether it ends the run.</summary>
    public void SetPrivacy(PrivacyLedger? ledger)
    {
        Privacy = ledger;
        PrivacySpent = ledger?.Spent;
        PrivacyBudgetEnd = BudgetEndAfter(ledger);
    }

    /// <summary>
    /// Why no round may follow a version with <paramref name="ledger"/>: the message the run ends with; null when one more
    /// round stays within the target, or there is no target.
    /// </summary>
    public string? BudgetEndAfter(PrivacyLedger? ledger)
    {
        if (ledger is null || Pipeline.Privacy is not { } dp || !dp.WouldExceedTarget(ledger, out var next))
        {
            return null;
        }

        return string.Create(
            CultureInfo.InvariantCulture,
            $"privacy budget: one more round would spend ε = {next.Epsilon:0.####} > target {dp.Plan.TargetEpsilon:G} (δ = {next.Delta:G}); completed {ledger.Steps} of {Config.Rounds} rounds at ε = {ledger.Spent.Epsilon:0.####}");
    }

    public long LastRound { get; set; }

    /// <summary>The nodes that joined or polled the run since the engine started.</summary>
    public HashSet<string> Joined { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// The nodes a round may select: they polled for an assignment since they last joined and since the last deadline
    /// they missed. A node that joined and died before its first poll, or that took an assignment and never answered,
    /// is not selected again until it shows it is there by polling.
    /// </summary>
    public HashSet<string> Ready { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// The nodes selected in the run's stored rounds, read at a restart: they joined before it and may still download and
    /// evaluate (a node whose download was cut by the restart retries it without joining again). Never selected from.
    /// </summary>
    public HashSet<string> RestoredMembers { get; } = new(StringComparer.Ordinal);

    /// <summary>Whether <paramref name="nodeId"/> may read the run's model and evaluate it: it joined (or polled) the run, before or since a restart, and has not left.</summary>
    public bool IsMember(string nodeId) => Joined.Contains(nodeId) || RestoredMembers.Contains(nodeId);

    public bool IsActive => Status is RunStatus.Running or RunStatus.Paused;

    /// <summary>Completes when something a waiting node cares about changes; read it under <see cref="State"/> with the state it is about.</summary>
    public Task Changed => _changed.Task;

    public void Signal()
    {
        var previous = _changed;
        _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        previous.TrySetResult();
    }
}
