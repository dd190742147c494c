namespace Federated.Client.Data;

/// <summary>
/// Per-feature mean and standard deviation computed locally (on the training split), applied as
/// (x − mean) / std; a missing value (NaN) becomes 0, the mean. A constant feature has std 1.
/// </summary>
public sealed class NumericStandardizer
{
    /// <summary>Creates a standardiser from known statistics.</summary>
    /// <param name="means">Mean per feature.</param>
    /// <param name="standardDeviations">Standard deviation per feature, each &gt; 0.</param>
    public NumericStandardizer(float[] means, float[] standardDeviations)
    {
        ArgumentNullException.ThrowIfNull(means);
        ArgumentNullException.ThrowIfNull(standardDeviations);
        if (means.Length != standardDeviations.Length)
        {
            throw new ArgumentException("means and standard deviations differ in length", nameof(standardDeviations));
        }

        Means = means;
        StandardDeviations = standardDeviations;
    }

    /// <summary>Mean per feature.</summary>
    public IReadOnlyList<float> Means { get; }

    /// <summary>Standard deviation per feature.</summary>
    public IReadOnlyList<float> StandardDeviations { get; }

    /// <summary>Computes the statistics over some rows of a table, ignoring missing values.</summary>
    /// <param name="table">The examples.</param>
    /// <param name="rows">The rows (e.g. the training split).</param>
    /// <returns>The standardiser.</returns>
    public static NumericStandardizer Fit(ExampleTable table, ReadOnlySpan<int> rows)
    {
        ArgumentNullException.ThrowIfNull(table);
        var width = table.Spec.Numeric.Count;
        var means = new float[width];
        var deviations = new float[width];
        for (var n = 0; n < width; n++)
        {
            double sum = 0, sumSquares = 0;
            long count = 0;
            foreach (var row in rows)
            {
                var value = table.NumericValue(row, n);
                if (!float.IsNaN(value))
                {
                    sum += value;
                    sumSquares += (double)value * value;
                    count++;
                }
            }

            var mean = count == 0 ? 0 : sum / count;
            var variance = count == 0 ? 0 : Math.Max(0, (sumSquares / count) - (mean * mean));
            means[n] = (float)mean;
            deviations[n] = variance > 1e-12 ? (float)Math.Sqrt(variance) : 1f;
        }

        return new NumericStandardizer(means, deviations);
    }

    /// <summary>Standardises one value.</summary>
    /// <param name="feature">The feature index.</param>
    /// <param name="value">The raw value, NaN when missing.</param>
    /// <returns>The standardised value; 0 when missing.</returns>
    public float Apply(int feature, float value) =>
        float.IsNaN(value) ? 0f : (value - Means[feature]) / StandardDeviations[feature];
}
