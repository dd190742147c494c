using System.Numerics.Tensors;

namespace Federated.Coordinator.Aggregation.Robust;

/// <summary>
/// Krum's choice (Blanchard et al., "Machine Learning with Adversaries: Byzantine Tolerant Gradient Descent", NeurIPS
/// 2017): each update's score is the sum of its squared L2 distances to its n − f − 2 nearest other updates, and the m
/// updates of lowest score are selected. Ties of score go to the update that arrived first.
/// </summary>
/// <remarks>
/// Distances are over the whole update as the strategy sees it (after the norm bound): every shared tensor, with a row
/// a node did not send counting as a zero delta, accumulated in double block by block in layout order (the same order
/// whether the round is in memory or spilled). Cost: one read of the round and n(n − 1)/2 × V multiply-adds, and
/// n² doubles of memory.
/// </remarks>
internal static class KrumSelection
{
    /// <summary>The selected updates' arrival indices, ascending.</summary>
    /// <param name="buffer">The round (n ≥ 2f + 3 updates).</param>
    /// <param name="scales">The norm bound's factors.</param>
    /// <param name="f">Byzantine updates tolerated.</param>
    /// <param name="m">Updates selected, in [1, n − f].</param>
    public static int[] Select(UpdateBuffer buffer, ReadOnlySpan<float> scales, int f, int m)
    {
        var n = buffer.Count;
        if (n < (2 * f) + 3)
        {
            throw new InvalidOperationException($"Krum with f = {f} needs at least 2f + 3 = {(2 * f) + 3} updates; the round has {n}");
        }

        if (m < 1 || m > n - f)
        {
            throw new InvalidOperationException($"Multi-Krum's m = {m} must be in [1, n − f = {n - f}]");
        }

        var scores = Scores(Distances(buffer, scales), f);
        var order = Enumerable.Range(0, n).OrderBy(k => scores[k]).ThenBy(k => k).Take(m).Order().ToArray();
        return order;
    }

    /// <summary>Each update's score: the sum of its n − f − 2 smallest squared distances to the others.</summary>
    public static double[] Scores(double[,] distances, int f)
    {
        var n = distances.GetLength(0);
        var nearest = n - f - 2;
        var scores = new double[n];
        var row = new double[n - 1];
        for (var i = 0; i < n; i++)
        {
            var c = 0;
            for (var j = 0; j < n; j++)
            {
                if (j != i)
                {
                    row[c++] = distances[i, j];
                }
            }

            Array.Sort(row);
            double score = 0;
            for (var j = 0; j < nearest; j++)
            {
                score += row[j];
            }

            scores[i] = score;
        }

        return scores;
    }

    /// <summary>The symmetric matrix of squared L2 distances between the round's updates.</summary>
    public static double[,] Distances(UpdateBuffer buffer, ReadOnlySpan<float> scales)
    {
        var n = buffer.Count;
        var all = Enumerable.Range(0, n).ToArray();
        var distances = new double[n, n];
        var block = CoordinateAggregation.BlockLength;
        var matrix = new float[n * block];
        var cursors = new int[n];
        var at = new long[n];
        var layout = buffer.Layout;
        for (var t = 0; t < layout.Tensors.Count; t++)
        {
            var tensor = layout.Tensors[t];
            var anySparse = false;
            for (var k = 0; k < n; k++)
            {
                anySparse |= buffer[k].Present[t] && buffer[k].Rows[t] is not null;
            }

            if (!anySparse)
            {
                for (var start = 0; start < tensor.Length; start += block)
                {
                    var length = Math.Min(block, tensor.Length - start);
                    for (var k = 0; k < n; k++)
                    {
                        Load(buffer, scales, k, t, buffer[k].Present[t] ? start : -1, matrix.AsSpan(k * block, length));
                    }

                    Accumulate(distances, matrix, n, length);
                }

                continue;
            }

            Array.Clear(cursors);
            foreach (var row in RowUnion.Of(buffer, all, t, tensor.Rows))
            {
                for (var k = 0; k < n; k++)
                {
                    at[k] = RowUnion.Locate(buffer[k], t, row, tensor.Columns, ref cursors[k]);
                }

                for (var c0 = 0; c0 < tensor.Columns; c0 += block)
                {
                    var length = Math.Min(block, tensor.Columns - c0);
                    for (var k = 0; k < n; k++)
                    {
                        Load(buffer, scales, k, t, at[k] < 0 ? -1 : at[k] + c0, matrix.AsSpan(k * block, length));
                    }

                    Accumulate(distances, matrix, n, length);
                }
            }
        }

        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < i; j++)
            {
                distances[i, j] = distances[j, i];
            }
        }

        return distances;
    }

    /// <summary>Reads an update's values (scaled), or zeros where it sent nothing (<paramref name="start"/> &lt; 0).</summary>
    private static void Load(UpdateBuffer buffer, ReadOnlySpan<float> scales, int k, int tensor, long start, Span<float> destination)
    {
        if (start < 0)
        {
            destination.Clear();
            return;
        }

        buffer.Read(k, tensor, start, destination);
        if (scales[k] != 1f)
        {
            TensorPrimitives.Multiply(destination, scales[k], destination);
        }
    }

    /// <summary>Adds Σ_x (a_x − b_x)² of each pair of the block's rows to the upper triangle, in double.</summary>
    private static void Accumulate(double[,] distances, float[] matrix, int n, int length)
    {
        var block = CoordinateAggregation.BlockLength;
        for (var a = 0; a < n; a++)
        {
            var left = matrix.AsSpan(a * block, length);
            for (var b = a + 1; b < n; b++)
            {
                var right = matrix.AsSpan(b * block, length);
                double sum = 0;
                for (var x = 0; x < length; x++)
                {
                    var d = (double)left[x] - right[x];
                    sum += d * d;
                }

                distances[a, b] += sum;
            }
        }
    }
}
