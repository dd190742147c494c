namespace Federated.Client.Data;

/// <summary>
/// One raw example as a source reads it: tokens per categorical field, numeric features and labels
/// per task, in the order of the source's <see cref="ExampleSchema"/>.
/// </summary>
/// <remarks>
/// A single-valued field holds one token; a multi-valued field holds zero or more. A missing label or
/// numeric value is NaN. Vocabulary fields carry their integer ids as decimal tokens.
/// </remarks>
public sealed class Example
{
    /// <summary>Creates an example.</summary>
    /// <param name="lineNumber">1-based line of the example in its main file.</param>
    /// <param name="tokens">Tokens per field.</param>
    /// <param name="numeric">Numeric features (NaN = missing).</param>
    /// <param name="labels">Labels per task (NaN = missing).</param>
    /// <param name="time">The time key (e.g. a Unix timestamp), if the source has one.</param>
    public Example(long lineNumber, string[][] tokens, float[] numeric, float[] labels, double time = double.NaN)
    {
        LineNumber = lineNumber;
        Tokens = tokens;
        Numeric = numeric;
        Labels = labels;
        Time = time;
    }

    /// <summary>1-based line of the example in its main file.</summary>
    public long LineNumber { get; }

    /// <summary>Tokens per field, in the order of <see cref="ExampleSchema.Fields"/>.</summary>
    public string[][] Tokens { get; }

    /// <summary>Numeric features in the order of <see cref="ExampleSchema.Numeric"/>; NaN = missing.</summary>
    public float[] Numeric { get; }

    /// <summary>Labels in the order of <see cref="ExampleSchema.Tasks"/>; NaN = missing.</summary>
    public float[] Labels { get; }

    /// <summary>The time key used by a split by time; NaN when the source has none.</summary>
    public double Time { get; }
}
