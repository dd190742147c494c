using System.Numerics.Tensors;
using Federated.Model.Parameters;

namespace Federated.Coordinator.Aggregation.Robust;

/// <summary>
/// Applies a coordinate-wise rule over a round's buffered updates: θ_j ← θ_j + η · rule(values of coordinate j), where
/// the values are those of the included updates that carry coordinate j — for a task's tensors, the updates with labels
/// of that task (task weight &gt; 0); for a row of a row-sparse table, the updates that sent that row. A coordinate no
/// included update carries is left as it was. Values are read in blocks of <see cref="BlockLength"/> coordinates (one
/// row for a row-sparse table), so a spilled round is read once, one block at a time.
/// </summary>
internal static class CoordinateAggregation
{
    /// <summary>Coordinates of a dense tensor read per block: scratch is n × this many floats.</summary>
    public const int BlockLength = 1024;

    /// <param name="buffer">The round's updates.</param>
    /// <param name="scales">Per update, the factor its values are multiplied by first (the norm bound; 1 for none).</param>
    /// <param name="included">The updates that take part (all of them, or Multi-Krum's selection), ascending.</param>
    /// <param name="taskOf">The task of each layout tensor (null: trunk).</param>
    /// <param name="rule">The rule.</param>
    /// <param name="serverLearningRate">η.</param>
    /// <param name="result">θ, changed in place; the buffer's layout.</param>
    public static void Apply(UpdateBuffer buffer, ReadOnlySpan<float> scales, IReadOnlyList<int> included, string?[] taskOf, ICoordinateRule rule, double serverLearningRate, ParameterSet result)
    {
        var layout = buffer.Layout;
        var carriers = new List<int>(included.Count);
        var matrix = new float[Math.Max(1, included.Count) * BlockLength];
        var column = new float[Math.Max(1, included.Count)];
        var starts = new long[included.Count];
        var rowAt = new long[included.Count];
        var cursors = new int[included.Count];
        for (var t = 0; t < layout.Tensors.Count; t++)
        {
            var anySparse = CollectCarriers(buffer, included, t, taskOf, carriers);

            if (carriers.Count == 0)
            {
                continue;
            }

            var tensor = layout.Tensors[t];
            var target = result[tensor];
            if (!anySparse)
            {
                for (var start = 0; start < tensor.Length; start += BlockLength)
                {
                    var length = Math.Min(BlockLength, tensor.Length - start);
                    for (var j = 0; j < carriers.Count; j++)
                    {
                        starts[j] = start;
                    }

                    Block(buffer, scales, carriers, t, starts, length, matrix, column, rule, serverLearningRate, target.Slice(start, length));
                }

                continue;
            }

            // A table some carrier sent row-sparse: each row over the carriers that sent it.
            Array.Clear(cursors);
            var rowCarriers = new List<int>(carriers.Count);
            foreach (var row in RowUnion.Of(buffer, carriers, t, tensor.Rows))
            {
                rowCarriers.Clear();
                for (var j = 0; j < carriers.Count; j++)
                {
                    var at = RowUnion.Locate(buffer[carriers[j]], t, row, tensor.Columns, ref cursors[j]);
                    if (at >= 0)
                    {
                        rowAt[rowCarriers.Count] = at;
                        rowCarriers.Add(carriers[j]);
                    }
                }

                for (var c0 = 0; c0 < tensor.Columns; c0 += BlockLength)
                {
                    var length = Math.Min(BlockLength, tensor.Columns - c0);
                    for (var j = 0; j < rowCarriers.Count; j++)
                    {
                        starts[j] = rowAt[j] + c0;
                    }

                    Block(buffer, scales, rowCarriers, t, starts, length, matrix, column, rule, serverLearningRate, target.Slice((row * tensor.Columns) + c0, length));
                }
            }
        }
    }

    /// <summary>The task of each tensor of <paramref name="layout"/>.</summary>
    public static string?[] TasksOf(ParameterLayout layout, CompiledModel model)
    {
        var tasks = new string?[layout.Tensors.Count];
        for (var i = 0; i < tasks.Length; i++)
        {
            tasks[i] = model.TaskOf(layout.Tensors[i]);
        }

        return tasks;
    }

    private static void Block(UpdateBuffer buffer, ReadOnlySpan<float> scales, List<int> carriers, int tensor, long[] starts, int length, float[] matrix, float[] column, ICoordinateRule rule, double eta, Span<float> target)
    {
        var count = carriers.Count;
        for (var j = 0; j < count; j++)
        {
            var row = matrix.AsSpan(j * BlockLength, length);
            buffer.Read(carriers[j], tensor, starts[j], row);
            var scale = scales[carriers[j]];
            if (scale != 1f)
            {
                TensorPrimitives.Multiply(row, scale, row);
            }
        }

        for (var x = 0; x < length; x++)
        {
            for (var j = 0; j < count; j++)
            {
                column[j] = matrix[(j * BlockLength) + x];
            }

            var step = rule.Aggregate(column.AsSpan(0, count));
            target[x] = (float)(target[x] + (eta * step));
        }
    }

    /// <summary>
    /// Fills <paramref name="carriers"/> with the <paramref name="members"/> whose update carries tensor <paramref name="t"/>
    /// (sent it, and for a task's tensor has labels of that task); returns whether any of them sent it row-sparse.
    /// </summary>
    internal static bool CollectCarriers(UpdateBuffer buffer, IReadOnlyList<int> members, int t, string?[] taskOf, List<int> carriers)
    {
        carriers.Clear();
        var anySparse = false;
        foreach (var k in members)
        {
            var update = buffer[k];
            if (update.Present[t] && update.Weights.For(taskOf[t]) > 0)
            {
                carriers.Add(k);
                anySparse |= update.Rows[t] is not null;
            }
        }

        return anySparse;
    }
}
