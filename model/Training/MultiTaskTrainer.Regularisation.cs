using System.Numerics.Tensors;
using Federated.Model.Network;
using Federated.Model.Spec;

namespace Federated.Model.Training;

/// <summary>The trainer's penalty gradients: L2 on weights and batch rows, and the FedProx proximal term on shared tensors.</summary>
public sealed partial class MultiTaskTrainer
{
    private void AddRegularisation(Span<float> gradients)
    {
        var parameters = Parameters.Values;
        var l2 = _spec.L2;
        if (l2 > 0)
        {
            foreach (var weight in _weights)
            {
                var g = gradients.Slice(weight.Offset, weight.Length);
                TensorPrimitives.MultiplyAdd(parameters.AsSpan(weight.Offset, weight.Length), l2, g, g);
            }
        }

        if (_proximalMu > 0)
        {
            var reference = _proximalReference!.Values;
            foreach (var tensor in _sharedDense)
            {
                var difference = _proximalScratch.AsSpan(0, tensor.Length);
                TensorPrimitives.Subtract(parameters.AsSpan(tensor.Offset, tensor.Length), reference.AsSpan(tensor.Offset, tensor.Length), difference);
                var g = gradients.Slice(tensor.Offset, tensor.Length);
                TensorPrimitives.MultiplyAdd(difference, _proximalMu, g, g);
            }
        }
    }

    private void AddRowRegularisation(int field, RowGradients rows)
    {
        var l2 = _spec.L2;
        var proximal = _proximalMu > 0 && _spec.Fields[field].Scope == ParameterScope.Shared;
        if (l2 <= 0 && !proximal)
        {
            return;
        }

        var table = _tables[field];
        var dim = table.Columns;
        var parameters = Parameters.Values;
        for (var s = 0; s < rows.Count; s++)
        {
            var start = table.Offset + (rows.Rows[s] * dim);
            var value = parameters.AsSpan(start, dim);
            var g = rows.Values.Slice(s * dim, dim);
            if (l2 > 0)
            {
                TensorPrimitives.MultiplyAdd(value, l2, g, g);
            }

            if (proximal)
            {
                var difference = _proximalScratch.AsSpan(0, dim);
                TensorPrimitives.Subtract(value, _proximalReference!.Values.AsSpan(start, dim), difference);
                TensorPrimitives.MultiplyAdd(difference, _proximalMu, g, g);
            }
        }
    }
}
