using Federated.Model.Updates;

namespace Federated.Client.Training.Updates;

/// <summary>
/// A node's update preparation for one assignment, as an explicit list of steps built from the plan by a
/// <see cref="NodeUpdatePipelineBuilder"/>: today Δ = θ_trained − θ_global over the shared tensors, then clipping to the
/// plan's bound; features such as local noise, quantisation and masking add their own steps.
/// </summary>
public sealed class NodeUpdatePipeline
{
    /// <summary>A pipeline of the given steps, run in that order.</summary>
    public NodeUpdatePipeline(IReadOnlyList<INodeUpdateTransform> transforms)
    {
        ArgumentNullException.ThrowIfNull(transforms);
        Transforms = transforms;
        Names = [.. transforms.Select(t => t.Name)];
    }

    /// <summary>The steps, in order.</summary>
    public IReadOnlyList<INodeUpdateTransform> Transforms { get; }

    /// <summary>The steps' names, in order.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>Runs every step, the first on an empty delta.</summary>
    /// <param name="context">The round; steps may record figures in it (e.g. <see cref="NodeUpdateContext.NormBeforeClip"/>).</param>
    /// <returns>The update to send.</returns>
    public ModelDelta Run(NodeUpdateContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var delta = new ModelDelta([]);
        foreach (var transform in Transforms)
        {
            delta = transform.Apply(delta, context);
        }

        return delta;
    }
}
