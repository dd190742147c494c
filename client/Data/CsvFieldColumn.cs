namespace Federated.Client.Data;

/// <summary>A categorical field fed by a column of a CSV/TSV file.</summary>
public sealed record CsvFieldColumn
{
    /// <summary>The role that makes a field a partition key only: read, never a model input.</summary>
    public const string PartitionRole = "partition";

    /// <summary>The model field's name.</summary>
    public string Name { get; init; } = "";

    /// <summary>The column; defaults to <see cref="Name"/>.</summary>
    public string? Column { get; init; }

    /// <summary>For a multi-valued field: the separator between tokens within the cell (e.g. <c>|</c>).</summary>
    public string? Split { get; init; }

    /// <summary>
    /// Embedding dimension (≥ 1) of the field in a model derived from the schema (the simulation's <c>csv</c> command);
    /// null: the deriving command's default. Ignored by a node, whose model comes from its coordinator.
    /// </summary>
    public int? Dim { get; init; }

    /// <summary>Hash buckets (≥ 1) of the field in a model derived from the schema; null: the deriving command's default.</summary>
    public int? Buckets { get; init; }

    /// <summary>
    /// <c>input</c> (null, the default): a model input. <c>partition</c>: a key that splits the data across clients
    /// (e.g. an institution column) and is never fed to a derived model.
    /// </summary>
    public string? Role { get; init; }

    /// <summary>Whether <see cref="Role"/> is <see cref="PartitionRole"/>.</summary>
    public bool IsPartitionKey => string.Equals(Role, PartitionRole, StringComparison.Ordinal);
}
