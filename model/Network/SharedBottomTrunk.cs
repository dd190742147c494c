using System.Numerics.Tensors;
using Federated.Model.Parameters;
using Federated.Model.Spec;

namespace Federated.Model.Network;

/// <summary>One bottom MLP whose output feeds every tower; the towers' gradients are summed into it.</summary>
internal sealed class SharedBottomTrunk : ITrunk
{
    private readonly Mlp _bottom;
    private readonly float[][] _taskGradients;
    private readonly float[] _sum;

    public SharedBottomTrunk(ModelSpec spec, ParameterLayout layout, int maxRows)
    {
        _bottom = Mlp.Create(layout, TensorNames.Bottom, spec.Trunk.Hidden.Count, maxRows, spec.Dropout);
        _taskGradients = new float[spec.Tasks.Count][];
        for (var t = 0; t < _taskGradients.Length; t++)
        {
            _taskGradients[t] = new float[maxRows * OutputWidth];
        }

        _sum = new float[maxRows * OutputWidth];
    }

    public int OutputWidth => _bottom.OutputWidth;

    public void Forward(ReadOnlySpan<float> parameters, ReadOnlySpan<float> x, int n, DropoutMasks? dropout) =>
        _bottom.Forward(parameters, x, n, dropout);

    public ReadOnlySpan<float> TaskOutput(int task, int n) => _bottom.Output(n);

    public Span<float> TaskOutputGradient(int task, int n) => _taskGradients[task].AsSpan(0, n * OutputWidth);

    public void Backward(ReadOnlySpan<float> parameters, Span<float> gradients, ReadOnlySpan<float> x, Span<float> dx, int n)
    {
        var sum = _sum.AsSpan(0, n * OutputWidth);
        _taskGradients[0].AsSpan(0, sum.Length).CopyTo(sum);
        for (var t = 1; t < _taskGradients.Length; t++)
        {
            TensorPrimitives.Add(sum, _taskGradients[t].AsSpan(0, sum.Length), sum);
        }

        _bottom.Backward(parameters, gradients, x, sum, dx, accumulateDx: true, n);
    }
}
