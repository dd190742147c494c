namespace Federated.Client.Data;

/// <summary>
/// A task's label: either a column's value (<see cref="Column"/>) or derived from one
/// (<see cref="Derive"/>, e.g. <c>rating &gt;= 4</c>). An empty cell is a missing label.
/// </summary>
public sealed record CsvLabelColumn
{
    /// <summary>The model task's name.</summary>
    public string Task { get; init; } = "";

    /// <summary>The column holding the label; defaults to <see cref="Task"/> unless <see cref="Derive"/> is set.</summary>
    public string? Column { get; init; }

    /// <summary>A derived binary label <c>column op number</c>.</summary>
    public string? Derive { get; init; }
}
