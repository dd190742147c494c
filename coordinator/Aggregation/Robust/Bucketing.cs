using System.Numerics.Tensors;
using Federated.Model.Updates;
using MathNet.Numerics.Random;

namespace Federated.Coordinator.Aggregation.Robust;

/// <summary>
/// Bucketing (Karimireddy, He and Jaggi, "Byzantine-Robust Learning on Heterogeneous Datasets via Bucketing", ICLR 2022):
/// the round's n updates are shuffled, cut into ⌈n/s⌉ buckets of s (the last one may be smaller) and each bucket's mean
/// takes the place of its members before the robust rule runs.
/// </summary>
/// <remarks>
/// Why: a robust rule treats an honest update that is merely different (an institution with other users, other items)
/// like an attack and cuts it; averaging s updates first shrinks the honest spread by about √s while one bad update
/// still spoils at most one bucket. The price: the rule sees ⌈n/s⌉ values instead of n, of which up to f may be bad,
/// so the bad fraction grows up to s-fold (f/n → f/⌈n/s⌉): Krum's n ≥ 2f + 3 becomes ⌈n/s⌉ ≥ 2f + 3, and a trimmed
/// mean needs β·⌈n/s⌉ ≥ f to cut them all. A scaled update still drags its bucket's mean (1/s of it), which the rule
/// must then bound.
/// <para>
/// The shuffle is a Fisher–Yates permutation of the arrival positions drawn from MathNet's
/// <see cref="Xoshiro256StarStar"/> seeded by a SplitMix64 mix of the run's seed and the round number: the same arrivals
/// in the same order give the same buckets in any process and after a restart. Arrival order is not under the
/// coordinator's control over a network, so which nodes share a bucket is as random as the paper asks but not
/// reproducible across two live runs; the simulation submits in client order, so its runs are.
/// </para>
/// <para>
/// A bucket's mean follows the coordinate rules' view of who carries what: each task tensor over the members with labels
/// of that task, each row of a row-sparse table over the members that sent it (the bucket sends the union of their rows,
/// dense when one member sent the table dense), every member counting once (example counts are not trusted as weights).
/// The norm bound, when asked for, scales each update before it is bucketed. The bucket means go into a second
/// <see cref="UpdateBuffer"/> with the same memory limit (and spill file), so a bucketed round holds up to twice the
/// buffer's limit, plus one bucket's mean (the union of its members' values) while it is built.
/// </para>
/// </remarks>
internal static class Bucketing
{
    /// <summary>The buckets of a round: each an array of arrival positions, every position in exactly one bucket.</summary>
    /// <param name="count">n, the updates of the round, ≥ 0.</param>
    /// <param name="size">s, the updates per bucket, ≥ 1.</param>
    /// <param name="seed">The run's seed.</param>
    /// <param name="round">The round number.</param>
    public static int[][] Assign(int count, int size, int seed, long round)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        var order = Enumerable.Range(0, count).ToArray();
        var random = new Xoshiro256StarStar(Seed(seed, round), threadSafe: false);
        for (var i = count - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }

        return [.. order.Chunk(size)];
    }

    /// <summary>Buckets in a round of <paramref name="count"/> updates: ⌈count / size⌉.</summary>
    public static int Count(int count, int size) => (count + size - 1) / size;

    /// <summary>
    /// A buffer holding each bucket's mean as one update (bucket b at position b), with the summed weights of its members
    /// and scale 1 (the members' <paramref name="scales"/> are applied here).
    /// </summary>
    /// <param name="buffer">The round's updates.</param>
    /// <param name="scales">Per update, the norm bound's factor.</param>
    /// <param name="buckets">The buckets (<see cref="Assign"/>).</param>
    /// <param name="taskOf">The task of each layout tensor (null: trunk).</param>
    /// <param name="options">The memory limit and spill directory of the new buffer.</param>
    public static UpdateBuffer Average(UpdateBuffer buffer, ReadOnlySpan<float> scales, int[][] buckets, string?[] taskOf, UpdateBufferOptions options)
    {
        var means = new UpdateBuffer(buffer.Layout, options);
        try
        {
            foreach (var members in buckets)
            {
                means.Add(Mean(buffer, scales, members, taskOf), Sum(buffer, members));
            }
        }
        catch
        {
            means.Dispose();
            throw;
        }

        return means;
    }

    private static ModelDelta Mean(UpdateBuffer buffer, ReadOnlySpan<float> scales, int[] members, string?[] taskOf)
    {
        var layout = buffer.Layout;
        var tensors = new List<TensorDelta>(layout.Tensors.Count);
        var carriers = new List<int>(members.Length);
        for (var t = 0; t < layout.Tensors.Count; t++)
        {
            var anySparse = CoordinateAggregation.CollectCarriers(buffer, members, t, taskOf, carriers);

            if (carriers.Count == 0)
            {
                continue;
            }

            var tensor = layout.Tensors[t];
            if (!anySparse)
            {
                var sum = new float[tensor.Length];
                var values = new float[tensor.Length];
                foreach (var k in carriers)
                {
                    buffer.Read(k, t, 0, values);
                    TensorPrimitives.MultiplyAdd(values, scales[k], sum, sum);
                }

                TensorPrimitives.Divide(sum, carriers.Count, sum);
                tensors.Add(new TensorDelta(tensor.Name, sum, null));
                continue;
            }

            tensors.Add(SparseMean(buffer, scales, carriers, t, tensor.Name, tensor.Rows, tensor.Columns));
        }

        return new ModelDelta(tensors);
    }

    /// <summary>Each row's mean over the carriers that sent it; row-sparse over the union of their rows, or dense when one sent every row.</summary>
    private static TensorDelta SparseMean(UpdateBuffer buffer, ReadOnlySpan<float> scales, List<int> carriers, int t, string name, int tableRows, int columns)
    {
        var rows = RowUnion.Of(buffer, carriers, t, tableRows);
        var dense = carriers.Exists(k => buffer[k].Rows[t] is null);
        var sum = new float[rows.Length * columns];
        var counts = new int[rows.Length];
        var values = new float[columns];
        foreach (var k in carriers)
        {
            var cursor = 0;
            for (var r = 0; r < rows.Length; r++)
            {
                var at = RowUnion.Locate(buffer[k], t, rows[r], columns, ref cursor);
                if (at < 0)
                {
                    continue;
                }

                buffer.Read(k, t, at, values);
                var target = sum.AsSpan(r * columns, columns);
                TensorPrimitives.MultiplyAdd(values, scales[k], target, target);
                counts[r]++;
            }
        }

        for (var r = 0; r < rows.Length; r++)
        {
            var target = sum.AsSpan(r * columns, columns);
            TensorPrimitives.Divide(target, counts[r], target);
        }

        return new TensorDelta(name, sum, dense ? null : rows);
    }

    private static UpdateWeights Sum(UpdateBuffer buffer, int[] members)
    {
        long examples = 0;
        var tasks = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var k in members)
        {
            var weights = buffer[k].Weights;
            examples += weights.Examples;
            foreach (var (task, count) in weights.TaskExamples)
            {
                tasks[task] = tasks.GetValueOrDefault(task) + count;
            }
        }

        return new UpdateWeights(examples, tasks);
    }

    /// <summary>The shuffle's seed: a SplitMix64 mix of the run's seed and the round (stable across processes, unlike <see cref="HashCode"/>).</summary>
    private static int Seed(int seed, long round)
    {
        unchecked
        {
            var z = ((ulong)(uint)seed << 32) ^ ((ulong)round * 0x9E3779B97F4A7C15UL);
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return (int)(z ^ (z >> 31));
        }
    }
}
