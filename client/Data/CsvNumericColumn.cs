namespace Federated.Client.Data;

/// <summary>A numeric feature fed by a column of a CSV/TSV file; an empty cell is missing.</summary>
public sealed record CsvNumericColumn
{
    /// <summary>The model's numeric feature name.</summary>
    public string Name { get; init; } = "";

    /// <summary>The column; defaults to <see cref="Name"/>.</summary>
    public string? Column { get; init; }
}
