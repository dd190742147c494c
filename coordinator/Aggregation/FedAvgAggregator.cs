using Federated.Model.Parameters;
using Federated.Model.Updates;

namespace Federated.Coordinator.Aggregation;

/// <summary>
/// The running weighted sums of one FedAvg round (see <see cref="FedAvgStrategy"/>), in buffers the strategy lends it.
/// Not thread-safe: the engine serialises a round's calls.
/// </summary>
internal sealed class FedAvgAggregator : IIncrementalRoundAggregator
{
    private readonly ParameterSet _global;
    private readonly double _serverLearningRate;
    private FedAvgAccumulator? _buffers;

    public FedAvgAggregator(ParameterSet global, FedAvgAccumulator buffers, double serverLearningRate)
    {
        _global = global;
        _buffers = buffers;
        _serverLearningRate = serverLearningRate;
    }

    public int Count { get; private set; }

    /// <summary>The layout of the base model.</summary>
    public ParameterLayout Layout => _global.Layout;

    /// <summary>Whether <see cref="Finish"/> has returned at least once (the round's result exists).</summary>
    public bool Finished { get; private set; }

    private FedAvgAccumulator Buffers => _buffers ?? throw new InvalidOperationException("this round is over: a later round of the run took over its buffers");

    public void Add(ModelDelta delta, UpdateWeights weights)
    {
        ArgumentNullException.ThrowIfNull(delta);
        ArgumentNullException.ThrowIfNull(weights);
        var buffers = Buffers;
        foreach (var tensorDelta in delta.Tensors)
        {
            var index = buffers.IndexOf(tensorDelta.Name);
            double weight = weights.For(buffers.TaskOf(index));
            if (weight <= 0)
            {
                continue;
            }

            var values = tensorDelta.Values;
            if (tensorDelta.Rows is { } rows)
            {
                buffers.AddRows(index, rows, values, weight);
                continue;
            }

            buffers.AddDense(index, values, weight);
        }

        Count++;
    }

    public ParameterSet Finish()
    {
        // The next version is a new array (the current one may still be streaming to nodes); it is copied whole, so it
        // need not be zeroed first.
        var values = GC.AllocateUninitializedArray<float>(_global.Values.Length);
        _global.Values.CopyTo(values, 0);
        var result = new ParameterSet(_global.Layout, values);
        Apply(result.Values, null);
        Finished = true;
        return result;
    }

    public ParameterChanges FinishInto(ParameterSet target)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (ReferenceEquals(target, _global) || ReferenceEquals(target.Values, _global.Values))
        {
            throw new ArgumentException("the next version cannot be written over the base version", nameof(target));
        }

        if (target.Layout.Fingerprint != _global.Layout.Fingerprint)
        {
            throw new ArgumentException($"the target's layout {target.Layout.Fingerprint} is not the base model's {_global.Layout.Fingerprint}", nameof(target));
        }

        var changed = new List<ParameterRange>();
        Apply(target.Values, changed);
        Finished = true;
        return ParameterChanges.Of(target.Values.Length, changed);
    }

    /// <summary>θ += η · sum / weight wherever the round has a weight; records the ranges written when <paramref name="changed"/> is not null.</summary>
    private void Apply(float[] result, List<ParameterRange>? changed)
    {
        var buffers = Buffers;
        var layout = buffers.Layout;
        for (var i = 0; i < layout.Tensors.Count; i++)
        {
            var tensor = layout.Tensors[i];
            if (buffers.RowWeight[i] is { } rowWeight)
            {
                // Only the rows some update sent have a weight; each row is scaled by its own, so the order is free.
                if (buffers.AllRows[i])
                {
                    // Every row has a weight; consecutive rows of equal weight (all of them when every update sent the
                    // table dense) share their scale, so they are applied as one span.
                    for (var r = 0; r < tensor.Rows;)
                    {
                        var end = r + 1;
                        while (end < tensor.Rows && rowWeight[end] == rowWeight[r])
                        {
                            end++;
                        }

                        var offset = tensor.Offset + (r * tensor.Columns);
                        var length = (end - r) * tensor.Columns;
                        FedAvgKernels.Apply(result.AsSpan(offset, length), buffers.Sum.AsSpan(offset, length), _serverLearningRate / rowWeight[r]);
                        r = end;
                    }

                    changed?.Add(new ParameterRange(tensor.Offset, tensor.Length));
                }
                else
                {
                    foreach (var r in buffers.TouchedRows[i]!)
                    {
                        ApplyRow(result, buffers, tensor, r, rowWeight[r]);
                        changed?.Add(new ParameterRange(tensor.Offset + (r * tensor.Columns), tensor.Columns));
                    }
                }
            }
            else if (buffers.TensorWeight[i] > 0)
            {
                FedAvgKernels.Apply(result.AsSpan(tensor.Offset, tensor.Length), buffers.Sum.AsSpan(tensor.Offset, tensor.Length), _serverLearningRate / buffers.TensorWeight[i]);
                changed?.Add(new ParameterRange(tensor.Offset, tensor.Length));
            }
        }
    }

    /// <summary>Takes the buffers back for a later round, cleared; this aggregator cannot be used afterwards.</summary>
    public FedAvgAccumulator Retire()
    {
        var buffers = Buffers;
        _buffers = null;
        buffers.Clear();
        return buffers;
    }

    private void ApplyRow(float[] target, FedAvgAccumulator buffers, TensorInfo tensor, int row, double rowWeight)
    {
        var offset = tensor.Offset + (row * tensor.Columns);
        FedAvgKernels.Apply(target.AsSpan(offset, tensor.Columns), buffers.Sum.AsSpan(offset, tensor.Columns), _serverLearningRate / rowWeight);
    }
}
