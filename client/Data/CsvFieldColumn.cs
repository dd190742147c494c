namespace Federated.Client.Data;

/// <summary>A categorical field fed by a column of a CSV/TSV file.</summary>
public sealed record CsvFieldColumn
{
    /// <summary>The model field's name.</summary>
    public string Name { get; init; } = "";

    /// <summary>The column; defaults to <see cref="Name"/>.</summary>
    public string? Column { get; init; }

    /// <summary>For a multi-valued field: the separator between tokens within the cell (e.g. <c>|</c>).</summary>
    public string? Split { get; init; }
}
