namespace Federated.Model.Metrics;

/// <summary>
/// Mergeable summary of a regression task's predictions: the example count and the sums of squared
/// errors, absolute errors, labels and squared labels, all in <see cref="double"/>. RMSE, MAE and
/// the labels' mean and standard deviation of the pooled data follow from merged summaries.
/// </summary>
/// <remarks>
/// The error of an example is e = prediction − label, computed in <see cref="double"/>. Each sum is
/// accumulated in the order examples are added, so a single summary equals a plain loop over the
/// same data exactly; merged shards agree with the pooled summary up to rounding. A NaN label means
/// "missing" and the example is skipped. Wire form (<see cref="ToArray"/>), length 6:
/// [kind = 2, count, Σe², Σ|e|, Σy, Σy²].
/// </remarks>
public sealed class RegressionMetricSummary : IMetricSummary
{
    private const int Length = 6;

    private long _count;
    private double _sumSquaredError;
    private double _sumAbsoluteError;
    private double _sumLabel;
    private double _sumSquaredLabel;

    /// <inheritdoc/>
    public MetricSummaryKind Kind => MetricSummaryKind.Regression;

    /// <summary>The number of labelled examples added (NaN labels excluded).</summary>
    public long Count => _count;

    /// <summary>Σ (prediction − label)², in squared label units.</summary>
    public double SumSquaredError => _sumSquaredError;

    /// <summary>Σ |prediction − label|, in label units.</summary>
    public double SumAbsoluteError => _sumAbsoluteError;

    /// <summary>Σ label.</summary>
    public double SumLabel => _sumLabel;

    /// <summary>Σ label².</summary>
    public double SumSquaredLabel => _sumSquaredLabel;

    /// <summary>Root mean squared error √(Σe²/n), in label units; NaN when <see cref="Count"/> is 0.</summary>
    public double Rmse => _count == 0 ? double.NaN : Math.Sqrt(_sumSquaredError / _count);

    /// <summary>Mean absolute error Σ|e|/n, in label units; NaN when <see cref="Count"/> is 0.</summary>
    public double Mae => _count == 0 ? double.NaN : _sumAbsoluteError / _count;

    /// <summary>Mean label Σy/n; NaN when <see cref="Count"/> is 0.</summary>
    public double LabelMean => _count == 0 ? double.NaN : _sumLabel / _count;

    /// <summary>
    /// Population standard deviation of the labels √(Σy²/n − (Σy/n)²), in label units (the RMSE of
    /// always predicting the mean); NaN when <see cref="Count"/> is 0. Computed from raw sums, so it loses
    /// precision when the mean is large relative to the spread; a rounding-negative variance reads as 0.
    /// </summary>
    public double LabelStandardDeviation
    {
        get
        {
            if (_count == 0)
            {
                return double.NaN;
            }

            var mean = _sumLabel / _count;
            return Math.Sqrt(Math.Max(0, (_sumSquaredLabel / _count) - (mean * mean)));
        }
    }

    /// <inheritdoc/>
    public int WireLength => Length;

    /// <summary>Adds one example.</summary>
    /// <param name="prediction">The predicted value; must be finite when the label is present.</param>
    /// <param name="label">The true value, finite, or NaN for a missing label (then nothing is added).</param>
    /// <exception cref="ArgumentException">The label is infinite, or the prediction is not finite.</exception>
    public void Add(float prediction, float label)
    {
        if (float.IsNaN(label))
        {
            return;
        }

        CheckExample(prediction, label, -1, nameof(prediction), nameof(label));
        AddUnchecked(prediction, label);
    }

    /// <summary>Adds a batch of examples; allocates nothing.</summary>
    /// <param name="predictions">Predicted values, finite where the label is present.</param>
    /// <param name="labels">True values, same length; NaN for missing (skipped).</param>
    /// <exception cref="ArgumentException">
    /// The lengths differ, a label is infinite, or a prediction with a label is not finite. The whole
    /// batch is checked first, so on failure nothing is added.
    /// </exception>
    public void Add(ReadOnlySpan<float> predictions, ReadOnlySpan<float> labels)
    {
        if (predictions.Length != labels.Length)
        {
            throw new ArgumentException(
                $"Got {predictions.Length} predictions but {labels.Length} labels.", nameof(labels));
        }

        for (var i = 0; i < labels.Length; i++)
        {
            if (!float.IsNaN(labels[i]))
            {
                CheckExample(predictions[i], labels[i], i, nameof(predictions), nameof(labels));
            }
        }

        for (var i = 0; i < labels.Length; i++)
        {
            if (!float.IsNaN(labels[i]))
            {
                AddUnchecked(predictions[i], labels[i]);
            }
        }
    }

    /// <summary>Adds the content of <paramref name="other"/> to this summary.</summary>
    /// <param name="other">Any regression summary.</param>
    public void Merge(RegressionMetricSummary other)
    {
        ArgumentNullException.ThrowIfNull(other);
        _count += other._count;
        _sumSquaredError += other._sumSquaredError;
        _sumAbsoluteError += other._sumAbsoluteError;
        _sumLabel += other._sumLabel;
        _sumSquaredLabel += other._sumSquaredLabel;
    }

    /// <inheritdoc/>
    void IMetricSummary.Merge(IMetricSummary other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other is not RegressionMetricSummary regression)
        {
            throw new ArgumentException(
                $"Cannot merge a {other.Kind} metric summary into a {Kind} one.", nameof(other));
        }

        Merge(regression);
    }

    /// <inheritdoc/>
    public void WriteTo(Span<double> destination)
    {
        SummaryWireReader.CheckWritable(_count, destination, Length, Kind);
        destination[0] = (double)MetricSummaryKind.Regression;
        destination[1] = _count;
        destination[2] = _sumSquaredError;
        destination[3] = _sumAbsoluteError;
        destination[4] = _sumLabel;
        destination[5] = _sumSquaredLabel;
    }

    /// <inheritdoc/>
    public double[] ToArray()
    {
        var values = new double[Length];
        WriteTo(values);
        return values;
    }

    /// <summary>Reads a summary from its wire form (see the remarks on <see cref="RegressionMetricSummary"/>).</summary>
    /// <param name="values">The wire form: [2, count, Σe², Σ|e|, Σy, Σy²].</param>
    /// <exception cref="ArgumentException">
    /// Wrong kind or length; a count that is NaN, negative, fractional or above 2⁵³; a sum that is not
    /// finite, or negative where it cannot be (Σe², Σ|e|, Σy²); or non-zero sums with a zero count.
    /// </exception>
    public static RegressionMetricSummary FromArray(ReadOnlySpan<double> values)
    {
        const string param = nameof(values);
        SummaryWireReader.CheckHeader(values, MetricSummaryKind.Regression, Length, param);
        SummaryWireReader.CheckLength(values, Length, MetricSummaryKind.Regression, param);
        var summary = new RegressionMetricSummary
        {
            _count = SummaryWireReader.ReadCount(values, 1, "count", param),
            _sumSquaredError = SummaryWireReader.ReadFinite(values, 2, "sum of squared errors", nonNegative: true, param),
            _sumAbsoluteError = SummaryWireReader.ReadFinite(values, 3, "sum of absolute errors", nonNegative: true, param),
            _sumLabel = SummaryWireReader.ReadFinite(values, 4, "sum of labels", nonNegative: false, param),
            _sumSquaredLabel = SummaryWireReader.ReadFinite(values, 5, "sum of squared labels", nonNegative: true, param),
        };

        if (summary._count == 0
            && (summary._sumSquaredError != 0 || summary._sumAbsoluteError != 0
                || summary._sumLabel != 0 || summary._sumSquaredLabel != 0))
        {
            throw new ArgumentException("A regression metric summary with count 0 must have all sums 0.", param);
        }

        return summary;
    }

    private static void CheckExample(float prediction, float label, int index, string predictionParam, string labelParam)
    {
        if (!float.IsFinite(label))
        {
            throw new ArgumentException($"Labels must be finite or NaN (missing); got {label}{AtIndex(index)}.", labelParam);
        }

        if (!float.IsFinite(prediction))
        {
            throw new ArgumentException($"Predictions must be finite; got {prediction}{AtIndex(index)}.", predictionParam);
        }
    }

    private void AddUnchecked(float prediction, float label)
    {
        double y = label;
        var error = prediction - y;
        _count++;
        _sumSquaredError += error * error;
        _sumAbsoluteError += Math.Abs(error);
        _sumLabel += y;
        _sumSquaredLabel += y * y;
    }

    private static string AtIndex(int index) => index < 0 ? string.Empty : $" at index {index}";
}
