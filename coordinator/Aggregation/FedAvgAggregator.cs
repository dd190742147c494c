using Federated.Model.Parameters;
using Federated.Model.Updates;

namespace Federated.Coordinator.Aggregation;

/// <summary>The running weighted sums of one FedAvg round (see <see cref="FedAvgStrategy"/>).</summary>
internal sealed class FedAvgAggregator : IRoundAggregator
{
    private readonly ParameterSet _global;
    private readonly string?[] _taskOf;
    private readonly double _serverLearningRate;
    private readonly double[] _sum;
    private readonly double[] _tensorWeight;
    private readonly double[]?[] _rowWeight;
    private readonly Dictionary<string, int> _index;

    public FedAvgAggregator(ParameterSet global, CompiledModel model, double serverLearningRate)
    {
        ArgumentNullException.ThrowIfNull(global);
        ArgumentNullException.ThrowIfNull(model);
        var layout = global.Layout;
        if (layout.Fingerprint != model.Fingerprint && layout.Fingerprint != model.SharedLayout.Fingerprint)
        {
            throw new ArgumentException($"the base model's layout {layout.Fingerprint} is neither the run's layout {model.Fingerprint} nor its shared projection", nameof(global));
        }

        _global = global;
        _serverLearningRate = serverLearningRate;
        _taskOf = new string?[layout.Tensors.Count];
        _sum = new double[layout.TotalLength];
        _tensorWeight = new double[layout.Tensors.Count];
        _rowWeight = new double[]?[layout.Tensors.Count];
        _index = new Dictionary<string, int>(layout.Tensors.Count, StringComparer.Ordinal);
        for (var i = 0; i < layout.Tensors.Count; i++)
        {
            _index[layout.Tensors[i].Name] = i;
            _taskOf[i] = model.TaskOf(layout.Tensors[i]);
            if (layout.Tensors[i].Kind == TensorKind.Embedding && layout.Tensors[i].Scope == Model.Spec.ParameterScope.Shared)
            {
                _rowWeight[i] = new double[layout.Tensors[i].Rows];
            }
        }
    }

    public int Count { get; private set; }

    public void Add(ModelDelta delta, UpdateWeights weights)
    {
        ArgumentNullException.ThrowIfNull(delta);
        ArgumentNullException.ThrowIfNull(weights);
        var layout = _global.Layout;
        foreach (var tensorDelta in delta.Tensors)
        {
            var index = _index[tensorDelta.Name];
            var tensor = layout.Tensors[index];
            double weight = weights.For(_taskOf[index]);
            if (weight <= 0)
            {
                continue;
            }

            var values = tensorDelta.Values;
            var rowWeight = _rowWeight[index];
            if (tensorDelta.Rows is { } rows)
            {
                for (var s = 0; s < rows.Length; s++)
                {
                    Accumulate(values.AsSpan(s * tensor.Columns, tensor.Columns), weight, tensor.Offset + (rows[s] * tensor.Columns));
                    rowWeight![rows[s]] += weight;
                }

                continue;
            }

            Accumulate(values, weight, tensor.Offset);
            _tensorWeight[index] += weight;
            if (rowWeight is not null)
            {
                for (var r = 0; r < rowWeight.Length; r++)
                {
                    rowWeight[r] += weight;
                }
            }
        }

        Count++;
    }

    public ParameterSet Finish()
    {
        var result = _global.Clone();
        var layout = _global.Layout;
        for (var i = 0; i < layout.Tensors.Count; i++)
        {
            var tensor = layout.Tensors[i];
            if (_rowWeight[i] is { } rowWeight)
            {
                for (var r = 0; r < tensor.Rows; r++)
                {
                    if (rowWeight[r] > 0)
                    {
                        Apply(result.Values, tensor.Offset + (r * tensor.Columns), tensor.Columns, rowWeight[r]);
                    }
                }
            }
            else if (_tensorWeight[i] > 0)
            {
                Apply(result.Values, tensor.Offset, tensor.Length, _tensorWeight[i]);
            }
        }

        return result;
    }

    private void Accumulate(ReadOnlySpan<float> values, double weight, int offset)
    {
        var sum = _sum.AsSpan(offset, values.Length);
        for (var i = 0; i < values.Length; i++)
        {
            sum[i] += weight * values[i];
        }
    }

    private void Apply(float[] target, int offset, int length, double totalWeight)
    {
        var scale = _serverLearningRate / totalWeight;
        for (var i = offset; i < offset + length; i++)
        {
            target[i] = (float)(target[i] + (scale * _sum[i]));
        }
    }
}
