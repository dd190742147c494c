namespace Federated.Model.Spec;

/// <summary>
/// The mergeable label statistics of one task from which its output bias starts (<see cref="TaskSpec.OutputBiasFromData"/>):
/// the number of labelled training examples and the sum of their labels. Nodes exchange these two numbers, never rows,
/// and the sum of every node's statistics gives the pooled value exactly.
/// </summary>
/// <param name="Count">Labelled examples, ≥ 0.</param>
/// <param name="Sum">Sum of their labels (for a binary task, the number of positives).</param>
public readonly record struct OutputBiasStatistics(long Count, double Sum)
{
    /// <summary>
    /// The base rate of a binary task is clamped to [MinRate, 1 − MinRate] before its logit is taken, so that a node
    /// with only positives (or only negatives) starts at a finite logit (±6.9) instead of ±∞.
    /// </summary>
    public const double MinRate = 1e-3;

    /// <summary>The statistics of both parts together.</summary>
    public static OutputBiasStatistics operator +(OutputBiasStatistics a, OutputBiasStatistics b) => new(a.Count + b.Count, a.Sum + b.Sum);

    /// <summary>
    /// The initial output bias for a task of <paramref name="kind"/>: the label mean (regression) or logit(clamped base
    /// rate) (binary); 0 when no example is labelled.
    /// </summary>
    public float Bias(TaskKind kind)
    {
        if (Count == 0)
        {
            return 0;
        }

        var mean = Sum / Count;
        if (kind == TaskKind.Regression)
        {
            return (float)mean;
        }

        var rate = Math.Clamp(mean, MinRate, 1 - MinRate);
        return (float)Math.Log(rate / (1 - rate));
    }

    /// <summary>Adds the labels of one task that are not missing (NaN).</summary>
    public static OutputBiasStatistics Of(ReadOnlySpan<float> labels)
    {
        long count = 0;
        var sum = 0.0;
        foreach (var y in labels)
        {
            if (!float.IsNaN(y))
            {
                count++;
                sum += y;
            }
        }

        return new OutputBiasStatistics(count, sum);
    }
}
