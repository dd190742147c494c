namespace Federated.Model.Network;

/// <summary>The shared part of the network: from the input x [n, InputWidth] to one input [n, OutputWidth] per task tower.</summary>
internal interface ITrunk
{
    int OutputWidth { get; }

    void Forward(ReadOnlySpan<float> parameters, ReadOnlySpan<float> x, int n, DropoutMasks? dropout);

    /// <summary>The input of task <paramref name="task"/>'s tower after <see cref="Forward"/>, [n, OutputWidth].</summary>
    ReadOnlySpan<float> TaskOutput(int task, int n);

    /// <summary>The buffer into which the tower of <paramref name="task"/> writes dL/d(its input), [n, OutputWidth].</summary>
    Span<float> TaskOutputGradient(int task, int n);

    /// <summary>Backward pass given every task's output gradient; adds dx [n, InputWidth] into <paramref name="dx"/>.</summary>
    void Backward(ReadOnlySpan<float> parameters, Span<float> gradients, ReadOnlySpan<float> x, Span<float> dx, int n);
}
