using Federated.Model.Parameters;

namespace Federated.Coordinator.Aggregation.Robust;

/// <summary>
/// Centered clipping (Karimireddy, He and Jaggi, "Learning from History for Byzantine Robust Optimization", ICML 2021):
/// starting from v₀ = 0 (the unchanged model), L times v ← v + mean_i (Δ_i − v) · min(1, τ / ‖Δ_i − v‖₂); the step
/// is η · v.
/// </summary>
/// <remarks>
/// Each update moves the center by at most τ, however large it is, so a scaled update counts like any other far one,
/// while an honest update within τ of the center counts fully (unlike the median, which cuts every value that is not
/// central on its coordinate). τ is an absolute L2 radius in the units of the updates (the paper's experiments use a
/// fixed τ too); with L = 1 and v₀ = 0 this is the mean of the updates each clipped to norm τ.
/// <para>
/// The paper starts from the previous round's aggregate (with worker momentum, which our nodes do not keep); this rule
/// starts every round from zero and keeps no state between rounds, so a restart changes nothing. That costs robustness:
/// from zero, the first iteration's center is only as good as the clipped mean, and the later iterations refine it.
/// </para>
/// <para>
/// Like the coordinate rules, coordinate j is averaged over the updates that carry it (a task tensor over the updates
/// with labels of the task; a row of a row-sparse table over the updates that sent it), and ‖Δ_i − v‖ is taken over the
/// coordinates update i carries. A coordinate no update carries keeps its value. Cost: 2·L reads of the round (two per
/// iteration) and 16 bytes per parameter of the layout (center, step in double, carrier count).
/// </para>
/// </remarks>
internal static class CenteredClipping
{
    private delegate void Segment(ReadOnlySpan<float> values, int offset);

    /// <param name="buffer">The round's updates (or its buckets' means).</param>
    /// <param name="scales">Per update, the factor its values are multiplied by first (the norm bound; 1 for none).</param>
    /// <param name="included">The updates that take part, ascending.</param>
    /// <param name="taskOf">The task of each layout tensor (null: trunk).</param>
    /// <param name="tau">τ &gt; 0.</param>
    /// <param name="iterations">L ≥ 1.</param>
    /// <param name="serverLearningRate">η.</param>
    /// <param name="result">θ, changed in place; the buffer's layout.</param>
    public static void Apply(UpdateBuffer buffer, ReadOnlySpan<float> scales, IReadOnlyList<int> included, string?[] taskOf, double tau, int iterations, double serverLearningRate, ParameterSet result)
    {
        var length = buffer.Layout.TotalLength;
        var center = new float[length];
        var step = new double[length];
        var carriers = new int[length];
        var scratch = new float[CoordinateAggregation.BlockLength];
        foreach (var k in included)
        {
            Visit(buffer, k, taskOf, scratch, (_, _) => { }, carriers);
        }

        for (var l = 0; l < iterations; l++)
        {
            Array.Clear(step);
            foreach (var k in included)
            {
                var scale = (double)scales[k];
                double squared = 0;
                Visit(buffer, k, taskOf, scratch, (values, offset) =>
                {
                    for (var x = 0; x < values.Length; x++)
                    {
                        var d = (scale * values[x]) - center[offset + x];
                        squared += d * d;
                    }
                });
                var norm = Math.Sqrt(squared);
                var clip = norm <= tau ? 1 : tau / norm;
                Visit(buffer, k, taskOf, scratch, (values, offset) =>
                {
                    for (var x = 0; x < values.Length; x++)
                    {
                        step[offset + x] += clip * ((scale * values[x]) - center[offset + x]);
                    }
                });
            }

            for (var j = 0; j < length; j++)
            {
                if (carriers[j] > 0)
                {
                    center[j] = (float)(center[j] + (step[j] / carriers[j]));
                }
            }
        }

        var target = result.Values;
        for (var j = 0; j < length; j++)
        {
            if (carriers[j] > 0)
            {
                target[j] = (float)(target[j] + (serverLearningRate * center[j]));
            }
        }
    }

    /// <summary>
    /// Hands every value update <paramref name="k"/> carries to <paramref name="segment"/> in blocks, with the layout
    /// position of the block's first value; counts the positions in <paramref name="carriers"/> when given.
    /// </summary>
    private static void Visit(UpdateBuffer buffer, int k, string?[] taskOf, float[] scratch, Segment segment, int[]? carriers = null)
    {
        var update = buffer[k];
        var tensors = buffer.Layout.Tensors;
        for (var t = 0; t < tensors.Count; t++)
        {
            if (!update.Present[t] || update.Weights.For(taskOf[t]) <= 0)
            {
                continue;
            }

            var tensor = tensors[t];
            if (update.Rows[t] is not { } rows)
            {
                Blocks(buffer, k, t, 0, tensor.Offset, tensor.Length, scratch, segment, carriers);
                continue;
            }

            for (var s = 0; s < rows.Length; s++)
            {
                Blocks(buffer, k, t, (long)s * tensor.Columns, tensor.Offset + (rows[s] * tensor.Columns), tensor.Columns, scratch, segment, carriers);
            }
        }
    }

    private static void Blocks(UpdateBuffer buffer, int k, int t, long from, int offset, int count, float[] scratch, Segment segment, int[]? carriers)
    {
        for (var start = 0; start < count; start += scratch.Length)
        {
            var length = Math.Min(scratch.Length, count - start);
            if (carriers is not null)
            {
                for (var x = 0; x < length; x++)
                {
                    carriers[offset + start + x]++;
                }

                continue;
            }

            var values = scratch.AsSpan(0, length);
            buffer.Read(k, t, from + start, values);
            segment(values, offset + start);
        }
    }
}
