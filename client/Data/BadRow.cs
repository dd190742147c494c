namespace Federated.Client.Data;

/// <summary>A row that could not be read.</summary>
/// <param name="File">The file's name.</param>
/// <param name="LineNumber">1-based line number.</param>
/// <param name="Reason">Why the row was rejected.</param>
public sealed record BadRow(string File, long LineNumber, string Reason)
{
    /// <inheritdoc/>
    public override string ToString() => $"{File}:{LineNumber}: {Reason}";
}
