namespace Federated.Model.Network;

/// <summary>Per-example losses and their gradients with respect to the logits, with missing (NaN) labels masked.</summary>
internal static class TaskLosses
{
    /// <summary>Clamp for probabilities inside logarithms.</summary>
    public const double ProbabilityEpsilon = 1e-7;

    /// <summary>
    /// Log-loss of sigmoid(z) against y, computed stably as max(z,0) − z·y + log(1 + e^−|z|).
    /// Adds scale·(σ(z) − y) to dz; returns Σ loss over labelled rows.
    /// </summary>
    public static double Binary(ReadOnlySpan<float> logits, ReadOnlySpan<float> labels, float scale, Span<float> dLogits)
    {
        double sum = 0;
        for (var i = 0; i < logits.Length; i++)
        {
            var y = labels[i];
            if (float.IsNaN(y))
            {
                continue;
            }

            double z = logits[i];
            sum += Math.Max(z, 0) - (z * y) + Math.Log(1 + Math.Exp(-Math.Abs(z)));
            dLogits[i] += scale * (float)(Sigmoid(z) - y);
        }

        return sum;
    }

    /// <summary>
    /// Log-loss with positive examples weighted by <paramref name="positiveWeight"/> = w:
    /// w·y·softplus(−z) + (1 − y)·softplus(z), where softplus(z) = max(z,0) + log(1 + e^−|z|) and softplus(−z) = softplus(z) − z.
    /// Its derivative is σ(z)·(w·y + 1 − y) − w·y, which for w = 1 is <see cref="Binary"/>'s σ(z) − y. Adds scale·that to
    /// dz; returns Σ weighted loss over labelled rows. Called only for w ≠ 1, so unweighted tasks keep
    /// <see cref="Binary"/>'s arithmetic bit for bit.
    /// </summary>
    public static double WeightedBinary(ReadOnlySpan<float> logits, ReadOnlySpan<float> labels, float positiveWeight, float scale, Span<float> dLogits)
    {
        double w = positiveWeight;
        double sum = 0;
        for (var i = 0; i < logits.Length; i++)
        {
            var y = labels[i];
            if (float.IsNaN(y))
            {
                continue;
            }

            double z = logits[i];
            var softplus = Math.Max(z, 0) + Math.Log(1 + Math.Exp(-Math.Abs(z)));
            var positive = w * y;
            sum += (positive * (softplus - z)) + ((1 - y) * softplus);
            dLogits[i] += scale * (float)((Sigmoid(z) * (positive + 1 - y)) - positive);
        }

        return sum;
    }

    /// <summary>Squared error (z − y)²; adds scale·2(z − y) to dz; returns Σ loss over labelled rows.</summary>
    public static double Regression(ReadOnlySpan<float> predictions, ReadOnlySpan<float> labels, float scale, Span<float> dPredictions)
    {
        double sum = 0;
        for (var i = 0; i < predictions.Length; i++)
        {
            var y = labels[i];
            if (float.IsNaN(y))
            {
                continue;
            }

            var error = predictions[i] - y;
            sum += (double)error * error;
            dPredictions[i] += scale * 2 * error;
        }

        return sum;
    }

    /// <summary>
    /// ESMM: log-loss of p = σ(z_click)·σ(z_conversion) against the conversion label y. With a = σ(z_click),
    /// b = σ(z_conversion): ∂L/∂z_conversion = (p − y)(1 − b)/(1 − p) and ∂L/∂z_click = (p − y)(1 − a)/(1 − p), both
    /// scaled and added. Returns Σ loss over labelled rows.
    /// </summary>
    public static double Esmm(ReadOnlySpan<float> clickLogits, ReadOnlySpan<float> conversionLogits, ReadOnlySpan<float> labels, float scale, Span<float> dClick, Span<float> dConversion)
    {
        double sum = 0;
        for (var i = 0; i < labels.Length; i++)
        {
            var y = labels[i];
            if (float.IsNaN(y))
            {
                continue;
            }

            var a = Sigmoid(clickLogits[i]);
            var b = Sigmoid(conversionLogits[i]);
            var p = Math.Clamp(a * b, ProbabilityEpsilon, 1 - ProbabilityEpsilon);
            sum += -((y * Math.Log(p)) + ((1 - y) * Math.Log(1 - p)));
            var common = (p - y) / (1 - p);
            dConversion[i] += scale * (float)(common * (1 - b));
            dClick[i] += scale * (float)(common * (1 - a));
        }

        return sum;
    }

    /// <summary>
    /// <see cref="Esmm"/> with positive examples weighted by <paramref name="positiveWeight"/> = w: the loss
    /// −(w·y·log p + (1 − y)·log(1 − p)) has ∂L/∂p = (p·(w·y + 1 − y) − w·y)/(p·(1 − p)), so with ∂p/∂z_conversion = p(1 − b)
    /// and ∂p/∂z_click = p(1 − a): ∂L/∂z_conversion = c·(1 − b) and ∂L/∂z_click = c·(1 − a), c = (p·(w·y + 1 − y) − w·y)/(1 − p)
    /// (for w = 1, <see cref="Esmm"/>'s (p − y)/(1 − p)). Called only for w ≠ 1.
    /// </summary>
    public static double WeightedEsmm(ReadOnlySpan<float> clickLogits, ReadOnlySpan<float> conversionLogits, ReadOnlySpan<float> labels, float positiveWeight, float scale, Span<float> dClick, Span<float> dConversion)
    {
        double w = positiveWeight;
        double sum = 0;
        for (var i = 0; i < labels.Length; i++)
        {
            var y = labels[i];
            if (float.IsNaN(y))
            {
                continue;
            }

            var a = Sigmoid(clickLogits[i]);
            var b = Sigmoid(conversionLogits[i]);
            var p = Math.Clamp(a * b, ProbabilityEpsilon, 1 - ProbabilityEpsilon);
            var positive = w * y;
            sum += -((positive * Math.Log(p)) + ((1 - y) * Math.Log(1 - p)));
            var common = ((p * (positive + 1 - y)) - positive) / (1 - p);
            dConversion[i] += scale * (float)(common * (1 - b));
            dClick[i] += scale * (float)(common * (1 - a));
        }

        return sum;
    }

    public static double Sigmoid(double z) => z >= 0 ? 1 / (1 + Math.Exp(-z)) : Math.Exp(z) / (1 + Math.Exp(z));
}
