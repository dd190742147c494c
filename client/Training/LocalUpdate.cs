using Federated.Model.Metrics;
using Federated.Model.Updates;

namespace Federated.Client.Training;

/// <summary>What a node returns for an assignment: its prepared update of the shared tensors and what it was trained on.</summary>
/// <param name="Round">The assignment's round.</param>
/// <param name="ModelVersion">The version the update is relative to.</param>
/// <param name="Delta">
/// Δ = θ_after − θ_global over shared tensors only, as the node's update pipeline left it (clipped when the plan has a
/// bound; embeddings row-sparse when asked); <see cref="Transforms"/> names its steps.
/// </param>
/// <param name="NormBeforeClip">‖Δ‖₂ as the clip step found it; without a clip step, ‖<paramref name="Delta"/>‖₂.</param>
/// <param name="ExampleCount">Training examples used (per epoch).</param>
/// <param name="LabelledExamples">Training examples with a label, per task name (for weighting per task).</param>
/// <param name="TrainingMetrics">Per-task mergeable summaries on the training split, after local training.</param>
/// <param name="Steps">Optimiser steps taken.</param>
public sealed record LocalUpdate(
    long Round,
    long ModelVersion,
    ModelDelta Delta,
    double NormBeforeClip,
    int ExampleCount,
    IReadOnlyDictionary<string, long> LabelledExamples,
    IReadOnlyList<TaskMetrics> TrainingMetrics,
    long Steps)
{
    /// <summary>The names of the update pipeline's steps that produced <see cref="Delta"/>, in order (e.g. <c>delta</c>, <c>clip</c>). Default empty.</summary>
    public IReadOnlyList<string> Transforms { get; init; } = [];
}
