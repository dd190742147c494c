using Federated.Model.Spec;
using Federated.Model.Updates;

namespace Federated.Client.Training.Updates;

/// <summary>
/// The first step: Δ = θ_trained − θ_global over the shared tensors only (local tensors never leave the node), with
/// embedding tables row-sparse (only the rows training touched) when the plan asks for sparse embeddings.
/// </summary>
/// <param name="sparseEmbeddings">Send embedding tables row-sparse.</param>
public sealed class ComputeDelta(bool sparseEmbeddings) : INodeUpdateTransform
{
    /// <summary>Always applies, at <see cref="NodeUpdateStage.Delta"/>.</summary>
    public static NodeUpdateTransformFactory Factory { get; } = new(NodeUpdateStage.Delta, plan => new ComputeDelta(plan.SparseEmbeddings));

    /// <inheritdoc/>
    public string Name => "delta";

    /// <summary>Ignores <paramref name="delta"/> (nothing comes before it) and returns the new Δ.</summary>
    public ModelDelta Apply(ModelDelta delta, NodeUpdateContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return ModelDelta.Compute(context.Global, context.Trained, ParameterScope.Shared, sparseEmbeddings ? context.TouchedRows : null);
    }
}
