using System.Globalization;

namespace Federated.Client.Data;

/// <summary>A derived label <c>column op number</c> (op one of <c>&gt;= &gt; &lt;= &lt; == !=</c>), yielding 1 or 0.</summary>
/// <param name="Column">The column compared.</param>
/// <param name="Operator">The comparison.</param>
/// <param name="Threshold">The number compared against.</param>
public sealed record LabelExpression(string Column, string Operator, double Threshold)
{
    private static readonly string[] Operators = [">=", "<=", "==", "!=", ">", "<"];

    /// <summary>Parses e.g. <c>rating &gt;= 4</c>.</summary>
    /// <param name="text">The expression.</param>
    /// <param name="key">The schema key, for the error message.</param>
    /// <returns>The expression.</returns>
    /// <exception cref="DataFormatException">The text is not of the form <c>column op number</c>.</exception>
    public static LabelExpression Parse(string text, string key)
    {
        ArgumentNullException.ThrowIfNull(text);
        foreach (var op in Operators)
        {
            var at = text.IndexOf(op, StringComparison.Ordinal);
            if (at <= 0)
            {
                continue;
            }

            var column = text[..at].Trim();
            var number = text[(at + op.Length)..].Trim();
            if (column.Length > 0 && double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var threshold))
            {
                return new LabelExpression(column, op, threshold);
            }
        }

        throw new DataFormatException($"schema: {key}: '{text}' is not a derived label of the form 'column >= number' (operators >=, >, <=, <, ==, !=)", key);
    }

    /// <summary>Evaluates the comparison: 1 when it holds, 0 when not, NaN when the value is NaN.</summary>
    /// <param name="value">The column's value.</param>
    /// <returns>1, 0 or NaN.</returns>
    public float Evaluate(double value)
    {
        if (double.IsNaN(value))
        {
            return float.NaN;
        }

        var holds = Operator switch
        {
            ">=" => value >= Threshold,
            ">" => value > Threshold,
            "<=" => value <= Threshold,
            "<" => value < Threshold,
            "==" => value == Threshold,
            _ => value != Threshold,
        };
        return holds ? 1f : 0f;
    }
}
