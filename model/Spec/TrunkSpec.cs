namespace Federated.Model.Spec;

/// <summary>The trunk's kind and sizes.</summary>
/// <remarks>
/// <see cref="Hidden"/> gives the layer widths of the bottom MLP (shared-bottom) or of every expert MLP (MMoE, PLE);
/// each layer is dense + ReLU, and the last width is the trunk's output width H fed to the towers.
/// MMoE uses <see cref="Experts"/>; PLE uses <see cref="SharedExperts"/>, <see cref="TaskExperts"/> (per task) and <see cref="Levels"/>.
/// </remarks>
public sealed record TrunkSpec
{
    /// <summary>The trunk kind.</summary>
    public TrunkKind Kind { get; init; } = TrunkKind.SharedBottom;

    /// <summary>Widths of the bottom or expert MLP layers, each at least 1; at least one layer.</summary>
    public IReadOnlyList<int> Hidden { get; init; } = [];

    /// <summary>MMoE: number of experts (at least 1).</summary>
    public int Experts { get; init; }

    /// <summary>PLE: shared experts per level (at least 1).</summary>
    public int SharedExperts { get; init; }

    /// <summary>PLE: experts per task per level (at least 1).</summary>
    public int TaskExperts { get; init; }

    /// <summary>PLE: extraction levels (at least 1). Default 1.</summary>
    public int Levels { get; init; } = 1;

    /// <summary>Width of the trunk's output (the last hidden width).</summary>
    public int OutputWidth => Hidden.Count == 0 ? 0 : Hidden[^1];
}
