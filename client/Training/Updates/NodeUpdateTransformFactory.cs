using Federated.Model.Training;

namespace Federated.Client.Training.Updates;

/// <summary>
/// Decides from a run's plan whether a node update step applies, creates it, and says where it goes
/// (<see cref="Stage"/>). A new step of update preparation is one such factory, registered with
/// <see cref="NodeTrainingOptions.ExtraUpdateTransforms"/>; nothing else of the node changes.
/// </summary>
public sealed class NodeUpdateTransformFactory
{
    private readonly Func<LocalTrainingPlan, INodeUpdateTransform?> _create;

    /// <summary>A factory.</summary>
    /// <param name="stage">Where the step goes, ≥ <see cref="NodeUpdateStage.Delta"/>; see <see cref="NodeUpdateStage"/>.</param>
    /// <param name="create">The step for a plan, or null when the plan does not ask for it.</param>
    public NodeUpdateTransformFactory(int stage, Func<LocalTrainingPlan, INodeUpdateTransform?> create)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(stage, NodeUpdateStage.Delta);
        ArgumentNullException.ThrowIfNull(create);
        Stage = stage;
        _create = create;
    }

    /// <summary>Where the step goes.</summary>
    public int Stage { get; }

    /// <summary>The step for <paramref name="plan"/>, or null when it does not apply.</summary>
    public INodeUpdateTransform? Create(LocalTrainingPlan plan) => _create(plan);
}
