using Federated.Model.Updates;

namespace Federated.Client.Training.Updates;

/// <summary>
/// One step of a node's update preparation (compute Δ, clip, add noise, quantise, mask, …): takes the update as the
/// steps before it left it and returns it as the steps after it should see it.
/// </summary>
/// <remarks>
/// A transform is created per assignment from the run's plan by a <see cref="NodeUpdateTransformFactory"/> and placed by
/// its <see cref="NodeUpdateTransformFactory.Stage"/>; see <see cref="NodeUpdatePipeline"/>. It may change the delta's
/// values in place and return it, or return a new delta (e.g. one with other row sets); it must not change
/// <see cref="NodeUpdateContext.Global"/> or <see cref="NodeUpdateContext.Trained"/>. It runs on the training thread.
/// </remarks>
public interface INodeUpdateTransform
{
    /// <summary>A short lower-case name for logs and <see cref="LocalUpdate.Transforms"/>, e.g. <c>clip</c>.</summary>
    string Name { get; }

    /// <summary>Transforms <paramref name="delta"/>.</summary>
    /// <param name="delta">The update so far (the first step gets an empty delta, see <see cref="ComputeDelta"/>).</param>
    /// <param name="context">The round, its plan, the global and trained parameters; steps may record figures in it.</param>
    /// <returns>The update for the next step: <paramref name="delta"/> itself or a new one.</returns>
    ModelDelta Apply(ModelDelta delta, NodeUpdateContext context);
}
