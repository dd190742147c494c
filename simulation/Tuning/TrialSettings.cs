using System.Globalization;

namespace Federated.Simulation.Tuning;

/// <summary>
/// One point of the tuning search: the local training plan's learning rate, batch size and local epochs, the model's L2
/// coefficient, and (for a model the search may reshape) the main fields' embedding dimension and the trunk's widths.
/// </summary>
/// <param name="LearningRate">Local learning rate, &gt; 0.</param>
/// <param name="L2">L2 coefficient, ≥ 0.</param>
/// <param name="LocalEpochs">Passes over a client's training rows per round, ≥ 1.</param>
/// <param name="BatchSize">Examples per step, ≥ 1.</param>
/// <param name="Dim">Embedding dimension of the main fields, or null: the model's own.</param>
/// <param name="Hidden">Trunk widths, or null: the model's own.</param>
public sealed record TrialSettings(float LearningRate, float L2, int LocalEpochs, int BatchSize, int? Dim, IReadOnlyList<int>? Hidden)
{
    /// <summary>The trunk's widths as text, e.g. <c>[64, 32]</c>, or <c>model's</c>.</summary>
    public string HiddenText => Hidden is null ? "model's" : "[" + string.Join(", ", Hidden) + "]";

    /// <inheritdoc/>
    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"lr {LearningRate:G3}, l2 {L2:G3}, {LocalEpochs} local epochs, batch {BatchSize}, dim {(Dim is { } d ? d.ToString(CultureInfo.InvariantCulture) : "model's")}, trunk {HiddenText}");
}
