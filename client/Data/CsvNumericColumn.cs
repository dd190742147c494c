namespace Federated.Client.Data;

/// <summary>
/// A numeric feature fed by a column of a CSV/TSV file; an empty cell is missing. Transforms apply in this order to
/// each present value, before any standardisation: <see cref="Clip"/>, then <see cref="Log1p"/>.
/// </summary>
public sealed record CsvNumericColumn
{
    /// <summary>The model's numeric feature name.</summary>
    public string Name { get; init; } = "";

    /// <summary>The column; defaults to <see cref="Name"/>.</summary>
    public string? Column { get; init; }

    /// <summary>Optional bounds [lo, hi] (lo ≤ hi, in the column's units) the value is clamped to. Null: none.</summary>
    public IReadOnlyList<double>? Clip { get; init; }

    /// <summary>Whether to replace the (clipped) value v by ln(1 + v); needs v &gt; −1. Default false.</summary>
    public bool Log1p { get; init; }

    /// <summary>Applies the transforms to a present value.</summary>
    /// <param name="value">The cell's number.</param>
    /// <returns>The transformed value; NaN when <see cref="Log1p"/> meets a value ≤ −1 (the row is then rejected).</returns>
    public double Transform(double value)
    {
        if (Clip is [var lo, var hi])
        {
            value = Math.Clamp(value, lo, hi);
        }

        if (Log1p)
        {
            value = value > -1 ? Math.Log(1 + value) : double.NaN;
        }

        return value;
    }
}
