using System.Numerics.Tensors;
using Federated.Client.Training.Updates;
using Federated.Model.Updates;

namespace Federated.Client.Tests.Training.Updates;

/// <summary>
/// A researcher's new node update step, written as one file against the extension point: scales Δ by ½ in place.
/// Multiplying by a power of two is exact in floating point, so its effect can be asserted bit for bit.
/// </summary>
public sealed class HalveDelta : INodeUpdateTransform
{
    public string Name => "halve";

    /// <summary>A factory placing the step at <paramref name="stage"/>, for every plan.</summary>
    public static NodeUpdateTransformFactory At(int stage) => new(stage, _ => new HalveDelta());

    public ModelDelta Apply(ModelDelta delta, NodeUpdateContext context)
    {
        foreach (var tensor in delta.Tensors)
        {
            TensorPrimitives.Multiply(tensor.Values, 0.5f, tensor.Values);
        }

        return delta;
    }
}
