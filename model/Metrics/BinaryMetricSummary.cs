using System.Numerics.Tensors;

namespace Federated.Model.Metrics;

/// <summary>
/// Mergeable summary of a binary task's predictions: a fixed-bin histogram of predicted
/// probabilities for each label, the example and positive counts, and the sum of log-loss.
/// AUC and log-loss of the pooled data follow exactly from merged summaries.
/// </summary>
/// <remarks>
/// <para>
/// Bins are uniform on [0, 1]: a probability p falls in bin ⌊p·B⌋ (p = 1 in bin B − 1), where B is
/// <see cref="BinCount"/> (default <see cref="DefaultBinCount"/>). The AUC is the Mann–Whitney
/// statistic over bins: a positive in a higher bin than a negative counts 1, in the same bin ½:
/// AUC = Σᵢ posᵢ·(Σ_{j&lt;i} negⱼ + ½·negᵢ) / (P·N). It differs from the exact AUC only through
/// pairs whose scores share a bin, by at most ½ of their share of all pairs (about 1e-4 for
/// 10,000 bins and smooth score distributions).
/// </para>
/// <para>
/// Log-loss is −[y·ln p + (1 − y)·ln(1 − p)] with p clamped to [1e-7, 1 − 1e-7], summed in
/// <see cref="double"/>. Labels are 0 or 1; a NaN label means "missing" and the example is skipped
/// (its probability is not checked). Wire form (<see cref="ToArray"/>), length 5 + 2B:
/// [kind = 1, B, count, positives, log-loss sum, positive histogram (B), negative histogram (B)].
/// </para>
/// </remarks>
public sealed class BinaryMetricSummary : IMetricSummary
{
    /// <summary>The default number of histogram bins, 10,000.</summary>
    public const int DefaultBinCount = 10_000;

    /// <summary>The largest bin count accepted, 2²⁰.</summary>
    public const int MaxBinCount = 1 << 20;

    /// <summary>Lower clamp of probabilities for log-loss, 1e-7; the upper clamp is 1 − 1e-7.</summary>
    public const double ProbabilityClamp = 1e-7;

    private const int HeaderLength = 5;

    private readonly long[] _positiveHistogram;
    private readonly long[] _negativeHistogram;
    private long _count;
    private long _positives;
    private double _logLossSum;

    /// <summary>Creates an empty summary.</summary>
    /// <param name="binCount">Number of uniform bins on [0, 1], in [2, <see cref="MaxBinCount"/>]; summaries merge only with equal bin counts.</param>
    public BinaryMetricSummary(int binCount = DefaultBinCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(binCount, 2);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(binCount, MaxBinCount);
        _positiveHistogram = new long[binCount];
        _negativeHistogram = new long[binCount];
    }

    /// <inheritdoc/>
    public MetricSummaryKind Kind => MetricSummaryKind.Binary;

    /// <summary>The number of histogram bins B.</summary>
    public int BinCount => _positiveHistogram.Length;

    /// <summary>The number of labelled examples added (NaN labels excluded).</summary>
    public long Count => _count;

    /// <summary>The number of examples with label 1.</summary>
    public long Positives => _positives;

    /// <summary>The number of examples with label 0.</summary>
    public long Negatives => _count - _positives;

    /// <summary>The sum of per-example log-loss in nats.</summary>
    public double LogLossSum => _logLossSum;

    /// <summary>Counts of positives per bin, length <see cref="BinCount"/>.</summary>
    public ReadOnlySpan<long> PositiveHistogram => _positiveHistogram;

    /// <summary>Counts of negatives per bin, length <see cref="BinCount"/>.</summary>
    public ReadOnlySpan<long> NegativeHistogram => _negativeHistogram;

    /// <summary>Fraction of labelled examples that are positive; NaN when <see cref="Count"/> is 0.</summary>
    public double PositiveRate => _count == 0 ? double.NaN : (double)_positives / _count;

    /// <summary>Mean log-loss in nats per example; NaN when <see cref="Count"/> is 0.</summary>
    public double LogLoss => _count == 0 ? double.NaN : _logLossSum / _count;

    /// <summary>
    /// Area under the ROC curve from the histograms, in [0, 1]; pairs in the same bin count ½.
    /// NaN when there are no positives or no negatives.
    /// </summary>
    public double Auc
    {
        get
        {
            var negatives = _count - _positives;
            if (_positives == 0 || negatives == 0)
            {
                return double.NaN;
            }

            // Twice the Mann–Whitney U, so that the ½ for ties stays an integer-valued double.
            double twiceU = 0;
            double negativesBelow = 0;
            for (var i = 0; i < _positiveHistogram.Length; i++)
            {
                double neg = _negativeHistogram[i];
                twiceU += _positiveHistogram[i] * ((2 * negativesBelow) + neg);
                negativesBelow += neg;
            }

            return twiceU / (2.0 * _positives * negatives);
        }
    }

    /// <summary>
    /// Mean predicted probability over the examples, from the bins' midpoints: within 1/(2B) of the exact mean. Set beside
    /// <see cref="PositiveRate"/> it shows calibration (a model trained with a positive weight over-predicts). NaN when
    /// <see cref="Count"/> is 0.
    /// </summary>
    public double MeanPrediction
    {
        get
        {
            if (_count == 0)
            {
                return double.NaN;
            }

            double sum = 0;
            for (var i = 0; i < _positiveHistogram.Length; i++)
            {
                sum += (_positiveHistogram[i] + _negativeHistogram[i]) * (i + 0.5);
            }

            return sum / BinCount / _count;
        }
    }

    /// <summary>
    /// Share of positives predicted positive, p ≥ <paramref name="threshold"/>, the threshold rounded up to a bin boundary
    /// (exact for 0.5 with an even bin count). NaN without positives.
    /// </summary>
    /// <param name="threshold">In [0, 1].</param>
    public double Recall(double threshold)
    {
        var (truePositives, _) = AtOrAbove(threshold);
        return _positives == 0 ? double.NaN : (double)truePositives / _positives;
    }

    /// <summary>
    /// Share of the examples predicted positive (p ≥ <paramref name="threshold"/>, rounded up to a bin boundary) that are
    /// positive. NaN when none is predicted positive.
    /// </summary>
    /// <param name="threshold">In [0, 1].</param>
    public double Precision(double threshold)
    {
        var (truePositives, predicted) = AtOrAbove(threshold);
        return predicted == 0 ? double.NaN : (double)truePositives / predicted;
    }

    /// <inheritdoc/>
    public int WireLength => HeaderLength + (2 * BinCount);

    /// <summary>Adds one example.</summary>
    /// <param name="probability">Predicted probability of label 1, in [0, 1].</param>
    /// <param name="label">0, 1, or NaN for a missing label (then nothing is added).</param>
    /// <exception cref="ArgumentException">The label is not 0, 1 or NaN, or the probability is outside [0, 1].</exception>
    public void Add(float probability, float label)
    {
        if (float.IsNaN(label))
        {
            return;
        }

        CheckExample(probability, label, -1, nameof(probability), nameof(label));
        AddUnchecked(probability, label);
    }

    /// <summary>Adds a batch of examples; allocates nothing.</summary>
    /// <param name="probabilities">Predicted probabilities of label 1, each in [0, 1].</param>
    /// <param name="labels">Labels, same length: 0, 1, or NaN for missing (skipped).</param>
    /// <exception cref="ArgumentException">
    /// The lengths differ, or an example with a label has a label other than 0/1 or a probability
    /// outside [0, 1]. The whole batch is checked first, so on failure nothing is added.
    /// </exception>
    public void Add(ReadOnlySpan<float> probabilities, ReadOnlySpan<float> labels)
    {
        if (probabilities.Length != labels.Length)
        {
            throw new ArgumentException(
                $"Got {probabilities.Length} probabilities but {labels.Length} labels.", nameof(labels));
        }

        for (var i = 0; i < labels.Length; i++)
        {
            if (!float.IsNaN(labels[i]))
            {
                CheckExample(probabilities[i], labels[i], i, nameof(probabilities), nameof(labels));
            }
        }

        for (var i = 0; i < labels.Length; i++)
        {
            if (!float.IsNaN(labels[i]))
            {
                AddUnchecked(probabilities[i], labels[i]);
            }
        }
    }

    /// <summary>Adds the content of <paramref name="other"/> to this summary.</summary>
    /// <param name="other">A summary with the same <see cref="BinCount"/>.</param>
    /// <exception cref="ArgumentException">The bin counts differ.</exception>
    public void Merge(BinaryMetricSummary other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.BinCount != BinCount)
        {
            throw new ArgumentException(
                $"Cannot merge a binary metric summary of {other.BinCount} bins into one of {BinCount} bins.",
                nameof(other));
        }

        TensorPrimitives.Add<long>(_positiveHistogram, other._positiveHistogram, _positiveHistogram);
        TensorPrimitives.Add<long>(_negativeHistogram, other._negativeHistogram, _negativeHistogram);
        _count += other._count;
        _positives += other._positives;
        _logLossSum += other._logLossSum;
    }

    /// <inheritdoc/>
    void IMetricSummary.Merge(IMetricSummary other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other is not BinaryMetricSummary binary)
        {
            throw new ArgumentException(
                $"Cannot merge a {other.Kind} metric summary into a {Kind} one.", nameof(other));
        }

        Merge(binary);
    }

    /// <inheritdoc/>
    public void WriteTo(Span<double> destination)
    {
        SummaryWireReader.CheckWritable(_count, destination, WireLength, Kind);
        destination[0] = (double)MetricSummaryKind.Binary;
        destination[1] = BinCount;
        destination[2] = _count;
        destination[3] = _positives;
        destination[4] = _logLossSum;
        var bins = BinCount;
        for (var i = 0; i < bins; i++)
        {
            destination[HeaderLength + i] = _positiveHistogram[i];
            destination[HeaderLength + bins + i] = _negativeHistogram[i];
        }
    }

    /// <inheritdoc/>
    public double[] ToArray()
    {
        var values = new double[WireLength];
        WriteTo(values);
        return values;
    }

    /// <summary>Reads a summary from its wire form (see the remarks on <see cref="BinaryMetricSummary"/>).</summary>
    /// <param name="values">The wire form: kind 1, bin count, counts, log-loss sum, two histograms.</param>
    /// <exception cref="ArgumentException">
    /// Wrong kind or length; a count or bin that is NaN, negative, fractional or above 2⁵³; a log-loss sum
    /// that is not finite and non-negative; or histograms that do not add up to the counts.
    /// </exception>
    public static BinaryMetricSummary FromArray(ReadOnlySpan<double> values)
    {
        const string param = nameof(values);
        SummaryWireReader.CheckHeader(values, MetricSummaryKind.Binary, HeaderLength, param);
        var bins = SummaryWireReader.ReadSize(values, 1, "bin count", 2, MaxBinCount, param);
        var summary = new BinaryMetricSummary(bins);
        SummaryWireReader.CheckLength(values, summary.WireLength, MetricSummaryKind.Binary, param);
        var count = SummaryWireReader.ReadCount(values, 2, "count", param);
        var positives = SummaryWireReader.ReadCount(values, 3, "positives", param);
        var logLossSum = SummaryWireReader.ReadFinite(values, 4, "log-loss sum", nonNegative: true, param);
        if (positives > count)
        {
            throw new ArgumentException($"Positives ({positives}) exceed the count ({count}).", param);
        }

        long positiveTotal = 0;
        long negativeTotal = 0;
        for (var i = 0; i < bins; i++)
        {
            summary._positiveHistogram[i] = SummaryWireReader.ReadCount(values, HeaderLength + i, "positive bin", param);
            summary._negativeHistogram[i] = SummaryWireReader.ReadCount(values, HeaderLength + bins + i, "negative bin", param);
            positiveTotal += summary._positiveHistogram[i];
            negativeTotal += summary._negativeHistogram[i];
        }

        if (positiveTotal != positives || negativeTotal != count - positives)
        {
            throw new ArgumentException(
                $"The histograms hold {positiveTotal} positives and {negativeTotal} negatives, "
                + $"but the header says {positives} of {count}.", param);
        }

        summary._count = count;
        summary._positives = positives;
        summary._logLossSum = logLossSum;
        return summary;
    }

    private static void CheckExample(float probability, float label, int index, string probabilityParam, string labelParam)
    {
        if (label is not (0f or 1f))
        {
            throw new ArgumentException($"Binary labels must be 0, 1 or NaN (missing); got {label}{AtIndex(index)}.", labelParam);
        }

        if (!(probability is >= 0f and <= 1f))
        {
            throw new ArgumentException($"Probabilities must lie in [0, 1]; got {probability}{AtIndex(index)}.", probabilityParam);
        }
    }

    private void AddUnchecked(float probability, float label)
    {
        double p = probability;
        var bin = (int)(p * _positiveHistogram.Length);
        if (bin == _positiveHistogram.Length)
        {
            bin--;
        }

        var clamped = Math.Clamp(p, ProbabilityClamp, 1 - ProbabilityClamp);
        _count++;
        if (label == 1f)
        {
            _positiveHistogram[bin]++;
            _positives++;
            _logLossSum -= Math.Log(clamped);
        }
        else
        {
            _negativeHistogram[bin]++;
            _logLossSum -= Math.Log(1 - clamped);
        }
    }

    private static string AtIndex(int index) => index < 0 ? string.Empty : $" at index {index}";

    /// <summary>Positives and all examples in the bins at or above the threshold's bin boundary ⌈t·B⌉.</summary>
    private (long Positives, long Examples) AtOrAbove(double threshold)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threshold, 0.0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(threshold, 1.0);
        long positives = 0;
        long examples = 0;
        for (var i = (int)Math.Ceiling(threshold * BinCount); i < _positiveHistogram.Length; i++)
        {
            positives += _positiveHistogram[i];
            examples += _positiveHistogram[i] + _negativeHistogram[i];
        }

        return (positives, examples);
    }
}
