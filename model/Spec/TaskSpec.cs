using System.Text.Json.Serialization;

namespace Federated.Model.Spec;

/// <summary>A prediction task: its kind, loss weight, tower and where its head lives.</summary>
public sealed record TaskSpec
{
    /// <summary>Unique name; tensors are called <c>tower/{Name}/...</c>.</summary>
    public string Name { get; init; } = "";

    /// <summary>Binary (sigmoid, log-loss) or regression (identity, squared error).</summary>
    public TaskKind Kind { get; init; } = TaskKind.Binary;

    /// <summary>Weight w_t of the task's mean loss in the total loss; finite and non-negative. Default 1.</summary>
    public float Weight { get; init; } = 1f;

    /// <summary>Hidden widths of the tower (dense + ReLU each), followed by a dense output of width 1. At least one layer.</summary>
    public IReadOnlyList<int> Tower { get; init; } = [];

    /// <summary>Local (default, FedPer-style: the head stays on the node) or shared (federated).</summary>
    public ParameterScope Scope { get; init; } = ParameterScope.Local;

    /// <summary>
    /// Initial value of the bias of the task's output layer (<c>tower/{name}/out/b</c>): a value for regression, a logit
    /// for binary tasks. Finite; default 0 (what every spec without the key means).
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public float OutputBias { get; init; }

    /// <summary>
    /// When true, the output bias starts from the training labels instead of <see cref="OutputBias"/>: the label mean
    /// for regression, the logit of the base rate for binary tasks (the rate clamped to
    /// [<see cref="OutputBiasStatistics.MinRate"/>, 1 − <see cref="OutputBiasStatistics.MinRate"/>]). A local head is set by
    /// each node from its own training split before its first local training; a shared head must start equal
    /// everywhere, so it comes from the nodes' merged label counts and sums: a coordinator collects them in the run's
    /// label-statistics round (its first round) and sets the bias in version 1; the simulation writes the merge into
    /// <see cref="OutputBias"/> and clears this flag before it creates the run. Default false.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool OutputBiasFromData { get; init; }

    /// <summary>
    /// Binary tasks only: the weight w₊ of positive examples in the training log-loss, which becomes
    /// −(w₊·y·log p + (1 − y)·log(1 − p)) per example, still divided by the number of labelled examples (the convention of
    /// PyTorch's <c>pos_weight</c>). A rare positive class (a conversion rate of a few per cent) otherwise contributes
    /// little gradient; w₊ ≈ (1 − rate)/rate balances the classes. Finite and &gt; 0. Null (absent, every spec written
    /// before the key existed) means 1: the unweighted loss, computed exactly as before. Only training is weighted:
    /// evaluation metrics (AUC, log-loss) stay unweighted, so runs with and without it compare on the same figures.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public float? PositiveWeight { get; init; }

    /// <summary>The positive weight in effect: <see cref="PositiveWeight"/>, or 1 when it is absent.</summary>
    public float EffectivePositiveWeight => PositiveWeight ?? 1f;
}
