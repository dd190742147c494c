using System.Numerics.Tensors;
using Federated.Model.Kernels;
using Federated.Model.Parameters;

namespace Federated.Model.Network;

/// <summary>
/// A stack of dense layers, each followed by ReLU (and inverted dropout in training) except, optionally, the last,
/// which stays linear (a tower's output). Owns its activation and gradient buffers for up to <c>maxRows</c> rows.
/// </summary>
internal sealed class Mlp
{
    private readonly DenseLayer[] _layers;
    private readonly float[][] _outputs;
    private readonly float[][] _gradients;
    private readonly float[][] _masks;
    private readonly bool _linearLast;
    private readonly bool[] _masked;

    public Mlp(ParameterLayout layout, IReadOnlyList<string> layerPrefixes, int maxRows, float dropout, bool linearLast)
    {
        _layers = new DenseLayer[layerPrefixes.Count];
        _outputs = new float[_layers.Length][];
        _gradients = new float[_layers.Length][];
        _masks = new float[_layers.Length][];
        _masked = new bool[_layers.Length];
        for (var i = 0; i < _layers.Length; i++)
        {
            _layers[i] = new DenseLayer(layout, layerPrefixes[i]);
            _outputs[i] = new float[maxRows * _layers[i].Out];
            _gradients[i] = i == _layers.Length - 1 ? [] : new float[maxRows * _layers[i].Out];
            var hidden = !(linearLast && i == _layers.Length - 1);
            _masks[i] = dropout > 0 && hidden ? new float[maxRows * _layers[i].Out] : [];
        }

        _linearLast = linearLast;
        for (var i = 1; i < _layers.Length; i++)
        {
            if (_layers[i].In != _layers[i - 1].Out)
            {
                throw new ArgumentException($"layer {layerPrefixes[i]} takes {_layers[i].In} inputs but the layer before gives {_layers[i - 1].Out}");
            }
        }
    }

    /// <summary>The MLP for <c>{prefix}/dense{i}</c>, i = 0 … <paramref name="layers"/>−1, optionally followed by <paramref name="outputPrefix"/>.</summary>
    public static Mlp Create(ParameterLayout layout, string prefix, int layers, int maxRows, float dropout, string? outputPrefix = null)
    {
        var prefixes = new List<string>(layers + 1);
        for (var i = 0; i < layers; i++)
        {
            prefixes.Add(TensorNames.Dense(prefix, i));
        }

        if (outputPrefix is not null)
        {
            prefixes.Add(outputPrefix);
        }

        return new Mlp(layout, prefixes, maxRows, dropout, linearLast: outputPrefix is not null);
    }

    public int InputWidth => _layers[0].In;

    public int OutputWidth => _layers[^1].Out;

    /// <summary>The last forward pass's output, [n, OutputWidth].</summary>
    public Span<float> Output(int n) => _outputs[^1].AsSpan(0, n * OutputWidth);

    /// <summary>Runs the layers on x [n, InputWidth]; with <paramref name="dropout"/> null (inference) no unit is dropped.</summary>
    public void Forward(ReadOnlySpan<float> parameters, ReadOnlySpan<float> x, int n, DropoutMasks? dropout)
    {
        var input = x;
        for (var i = 0; i < _layers.Length; i++)
        {
            var layer = _layers[i];
            var output = _outputs[i].AsSpan(0, n * layer.Out);
            layer.Forward(parameters, input, output, n);
            _masked[i] = false;
            if (!(_linearLast && i == _layers.Length - 1))
            {
                Activations.Relu(output);
                if (dropout is not null && _masks[i].Length > 0)
                {
                    var mask = _masks[i].AsSpan(0, output.Length);
                    dropout.Fill(mask);
                    TensorPrimitives.Multiply(output, mask, output);
                    _masked[i] = true;
                }
            }

            input = output;
        }
    }

    /// <summary>
    /// Backward pass of the last <see cref="Forward"/>. <paramref name="dOutput"/> [n, OutputWidth] is dL/d(output) and is
    /// overwritten. Weight and bias gradients are added into <paramref name="gradients"/>; dx [n, InputWidth] is written
    /// (or added, with <paramref name="accumulateDx"/>) unless empty.
    /// </summary>
    public void Backward(ReadOnlySpan<float> parameters, Span<float> gradients, ReadOnlySpan<float> x, Span<float> dOutput, Span<float> dx, bool accumulateDx, int n)
    {
        var dy = dOutput[..(n * OutputWidth)];
        for (var i = _layers.Length - 1; i >= 0; i--)
        {
            var layer = _layers[i];
            var output = _outputs[i].AsSpan(0, n * layer.Out);
            if (!(_linearLast && i == _layers.Length - 1))
            {
                // The stored output is ReLU(z)·mask: it is positive exactly where the unit passed, so one test covers both.
                if (_masked[i])
                {
                    TensorPrimitives.Multiply(dy, _masks[i].AsSpan(0, dy.Length), dy);
                }

                Activations.ReluBackward(output, dy);
            }

            ReadOnlySpan<float> input = i == 0 ? x : _outputs[i - 1].AsSpan(0, n * layer.In);
            if (i == 0)
            {
                layer.Backward(parameters, gradients, input, dy, dx, accumulateDx, n);
            }
            else
            {
                var dInput = _gradients[i - 1].AsSpan(0, n * layer.In);
                layer.Backward(parameters, gradients, input, dy, dInput, accumulateDx: false, n);
                dy = dInput;
            }
        }
    }
}
