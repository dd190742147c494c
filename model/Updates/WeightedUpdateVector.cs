using System.Numerics.Tensors;
using Federated.Model.Parameters;

namespace Federated.Model.Updates;

/// <summary>
/// The flat vector a node puts into a secure-aggregation round, and how the coordinator turns the round's sum back into
/// FedAvg's weighted mean: every shared tensor <b>dense over all its rows</b> (a row-sparse embedding delta is scattered
/// into zeros, so every node sends the same shape and the coordinator learns no row set), each multiplied by its
/// weight factor a = min(w, W) / W, then one weight element per row of each shared embedding table (a where the node
/// sent the row, 0 elsewhere), then one element a_g per weight group.
/// </summary>
/// <remarks>
/// <para>
/// Layout (length <see cref="Length"/>): the shared layout's values in its order and offsets
/// (<see cref="CompiledModel.SharedLayout"/>, <see cref="DeltaLength"/> floats); then <see cref="RowWeightLength"/> row
/// weights: for each shared embedding table in layout order, one per row; then <see cref="Groups"/>.Count weight
/// elements: group 0 is the trunk (tensors of no task, weighed by the node's training examples), then one group per task
/// of the spec, in spec order, that has shared tensors (weighed by the node's labelled examples of that task). w is what
/// plain FedAvg would weigh the tensor by; W is the run's <c>maxWeight</c>.
/// </para>
/// <para>
/// The sum over nodes of tensor t's block is Σ_k a_k Δ_k and of its group's element Σ_k a_k, so their ratio is FedAvg's
/// weighted mean Σ w_k Δ_k / Σ w_k exactly when no w_k exceeds W (a node with more examples counts as W). An embedding
/// row's sum is divided by its own row weight Σ_k a_k·[k sent the row], as FedAvg averages a row over the nodes that sent
/// it (with one weight per group instead, rows a node never touched would count as zeros and shrink every item's update).
/// The coordinator learns the per-row sums of weights — how much weight touched each row in the round, over all nodes —
/// never which node touched which row. Since every a ≤ 1, ‖vector‖₂² ≤ ‖Δ‖₂² + embedding rows + groups: with Δ clipped to
/// S the vector's norm is at most √(S² + rows + groups) (<see cref="NormBound"/>), the clip norm its fixed-point encoding
/// is sized for.
/// </para>
/// </remarks>
public sealed class WeightedUpdateVector
{
    private readonly CompiledModel _model;
    private readonly Dictionary<string, int> _groupOfTensor;
    private readonly Dictionary<string, int> _rowWeightOffset;

    /// <summary>The codec of <paramref name="model"/>'s shared tensors.</summary>
    public WeightedUpdateVector(CompiledModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        _model = model;
        var layout = model.SharedLayout;
        var tasks = model.Tasks.Select(t => t.Name).Where(task => layout.Tensors.Any(tensor => model.TaskOf(tensor) == task)).ToList();
        Groups = [null, .. tasks];
        _groupOfTensor = layout.Tensors.ToDictionary(tensor => tensor.Name, tensor => model.TaskOf(tensor) is { } task ? 1 + tasks.IndexOf(task) : 0, StringComparer.Ordinal);
        _rowWeightOffset = new Dictionary<string, int>(StringComparer.Ordinal);
        var offset = layout.TotalLength;
        foreach (var table in layout.Tensors.Where(t => t.Kind == TensorKind.Embedding))
        {
            _rowWeightOffset[table.Name] = offset;
            offset += table.Rows;
        }

        RowWeightLength = offset - layout.TotalLength;
    }

    /// <summary>The weight groups: null for the trunk, then the task names with shared tensors, in spec order.</summary>
    public IReadOnlyList<string?> Groups { get; }

    /// <summary>Floats of the tensors' part: the shared layout's total length.</summary>
    public int DeltaLength => _model.SharedLayout.TotalLength;

    /// <summary>Floats of the row weights: the rows of every shared embedding table.</summary>
    public int RowWeightLength { get; }

    /// <summary>Floats of the whole vector: <see cref="DeltaLength"/> + <see cref="RowWeightLength"/> + one per group.</summary>
    public int Length => DeltaLength + RowWeightLength + Groups.Count;

    private int GroupOffset => DeltaLength + RowWeightLength;

    /// <summary>a = min(w, W) / W in [0, 1]; 0 when w ≤ 0.</summary>
    /// <param name="weight">w: examples (trunk) or labelled examples of a task.</param>
    /// <param name="maxWeight">W &gt; 0: the weight at which a node's influence is capped.</param>
    public static double WeightFactor(long weight, long maxWeight)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxWeight, 1);
        return weight <= 0 ? 0 : Math.Min(weight, maxWeight) / (double)maxWeight;
    }

    /// <summary>√(S² + rows + groups): the L2 bound of a vector whose Δ has norm ≤ <paramref name="clipNorm"/>.</summary>
    public double NormBound(double clipNorm) => Math.Sqrt((clipNorm * clipNorm) + RowWeightLength + Groups.Count);

    /// <summary>Writes the vector of a node's update into <paramref name="destination"/> (<see cref="Length"/> floats).</summary>
    /// <param name="delta">The node's clipped Δ of shared tensors, dense or row-sparse; tensors it lacks count as zero.</param>
    /// <param name="examples">Its training examples (the trunk's weight).</param>
    /// <param name="taskExamples">Its labelled examples per task (a task head's weight; absent = 0).</param>
    /// <param name="maxWeight">W &gt; 0.</param>
    /// <param name="destination">The vector.</param>
    /// <exception cref="ArgumentException">The destination has the wrong length, or a tensor is unknown or of the wrong size.</exception>
    public void Encode(ModelDelta delta, long examples, IReadOnlyDictionary<string, long> taskExamples, long maxWeight, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(delta);
        ArgumentNullException.ThrowIfNull(taskExamples);
        if (destination.Length != Length)
        {
            throw new ArgumentException($"the vector has {Length} elements, not {destination.Length}", nameof(destination));
        }

        Span<float> factors = stackalloc float[Groups.Count];
        for (var g = 0; g < Groups.Count; g++)
        {
            factors[g] = (float)WeightFactor(Groups[g] is { } task ? taskExamples.GetValueOrDefault(task) : examples, maxWeight);
        }

        destination.Clear();
        var layout = _model.SharedLayout;
        foreach (var tensorDelta in delta.Tensors)
        {
            if (!layout.TryGet(tensorDelta.Name, out var tensor))
            {
                throw new ArgumentException($"'{tensorDelta.Name}' is not a shared tensor of the model", nameof(delta));
            }

            var factor = factors[GroupIndexOf(tensor)];
            var target = destination.Slice(tensor.Offset, tensor.Length);
            var rowWeights = _rowWeightOffset.TryGetValue(tensor.Name, out var rowOffset) ? destination.Slice(rowOffset, tensor.Rows) : [];
            if (tensorDelta.Rows is { } rows)
            {
                if (tensorDelta.Values.Length != rows.Length * tensor.Columns)
                {
                    throw new ArgumentException($"'{tensor.Name}' carries {tensorDelta.Values.Length} values for {rows.Length} rows of {tensor.Columns}", nameof(delta));
                }

                for (var s = 0; s < rows.Length; s++)
                {
                    if ((uint)rows[s] >= (uint)tensor.Rows)
                    {
                        throw new ArgumentException($"'{tensor.Name}' has no row {rows[s]}", nameof(delta));
                    }

                    TensorPrimitives.Multiply(tensorDelta.Values.AsSpan(s * tensor.Columns, tensor.Columns), factor, target.Slice(rows[s] * tensor.Columns, tensor.Columns));
                    if (!rowWeights.IsEmpty)
                    {
                        rowWeights[rows[s]] = factor;
                    }
                }
            }
            else
            {
                if (tensorDelta.Values.Length != tensor.Length)
                {
                    throw new ArgumentException($"'{tensor.Name}' carries {tensorDelta.Values.Length} values, not {tensor.Length}", nameof(delta));
                }

                TensorPrimitives.Multiply(tensorDelta.Values, factor, target);
                rowWeights.Fill(factor);
            }
        }

        factors.CopyTo(destination[GroupOffset..]);
    }

    /// <summary>
    /// The weighted mean of a round from the sum of its vectors: each tensor's block divided by its group's Σ a (an
    /// embedding row by its own row weight), as a dense delta of every shared tensor; a group or row whose weight is below
    /// half of the smallest possible a (1/W) had no weight at all, and its mean is zero.
    /// </summary>
    /// <param name="sum">Σ_k vector_k (<see cref="Length"/> floats), decoded from the ring.</param>
    /// <param name="maxWeight">W &gt; 0, as the nodes encoded with.</param>
    /// <returns>The mean and Σ a of each group (0 for a group without weight).</returns>
    public (ModelDelta Mean, double[] GroupWeights) DecodeMean(ReadOnlySpan<float> sum, long maxWeight)
    {
        if (sum.Length != Length)
        {
            throw new ArgumentException($"the vector has {Length} elements, not {sum.Length}", nameof(sum));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(maxWeight, 1);
        var weights = new double[Groups.Count];
        var least = 0.5 / maxWeight;
        for (var g = 0; g < weights.Length; g++)
        {
            var w = sum[GroupOffset + g];
            weights[g] = w >= least ? w : 0;
        }

        var layout = _model.SharedLayout;
        var tensors = new List<TensorDelta>(layout.Tensors.Count);
        foreach (var tensor in layout.Tensors)
        {
            var values = new float[tensor.Length];
            var weight = weights[GroupIndexOf(tensor)];
            if (_rowWeightOffset.TryGetValue(tensor.Name, out var rowOffset))
            {
                for (var r = 0; r < tensor.Rows; r++)
                {
                    var rowWeight = sum[rowOffset + r];
                    if (rowWeight >= least)
                    {
                        TensorPrimitives.Multiply(sum.Slice(tensor.Offset + (r * tensor.Columns), tensor.Columns), 1 / rowWeight, values.AsSpan(r * tensor.Columns, tensor.Columns));
                    }
                }
            }
            else if (weight > 0)
            {
                TensorPrimitives.Multiply(sum.Slice(tensor.Offset, tensor.Length), (float)(1 / weight), values);
            }

            tensors.Add(new TensorDelta(tensor.Name, values));
        }

        return (new ModelDelta(tensors), weights);
    }

    /// <summary>
    /// The round's plain sum of the tensors' blocks, undivided, as a dense delta of every shared tensor: Σ_k a_k Δ_k. With
    /// every a_k = 1 (W = 1: unit weights, as DP-FedAvg weighs every client) it is the sum of the clipped updates that
    /// central differential privacy noises and divides by the expected number of clients; the weights are not used.
    /// </summary>
    /// <param name="sum">Σ_k vector_k (<see cref="Length"/> floats), decoded from the ring.</param>
    /// <exception cref="ArgumentException">The sum has the wrong length.</exception>
    public ModelDelta DecodeSum(ReadOnlySpan<float> sum)
    {
        if (sum.Length != Length)
        {
            throw new ArgumentException($"the vector has {Length} elements, not {sum.Length}", nameof(sum));
        }

        var tensors = new List<TensorDelta>(_model.SharedLayout.Tensors.Count);
        foreach (var tensor in _model.SharedLayout.Tensors)
        {
            tensors.Add(new TensorDelta(tensor.Name, sum.Slice(tensor.Offset, tensor.Length).ToArray()));
        }

        return new ModelDelta(tensors);
    }

    private int GroupIndexOf(TensorInfo tensor) => _groupOfTensor[tensor.Name];
}
