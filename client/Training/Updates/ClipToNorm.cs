using Federated.Model.Updates;

namespace Federated.Client.Training.Updates;

/// <summary>
/// Scales Δ down, in place, to ‖Δ‖₂ ≤ C (one norm over every shared tensor, sparse rows included; DP-SGD style
/// clipping by the global norm), and records the norm it found in <see cref="NodeUpdateContext.NormBeforeClip"/>.
/// </summary>
/// <param name="bound">C, finite and &gt; 0.</param>
public sealed class ClipToNorm(double bound) : INodeUpdateTransform
{
    /// <summary>Applies when the plan's <c>ClipNorm</c> is &gt; 0 (0 = no bound), at <see cref="NodeUpdateStage.Clip"/>.</summary>
    public static NodeUpdateTransformFactory Factory { get; } = new(NodeUpdateStage.Clip, plan => plan.ClipNorm > 0 ? new ClipToNorm(plan.ClipNorm) : null);

    /// <summary>C.</summary>
    public double Bound { get; } = double.IsFinite(bound) && bound > 0 ? bound : throw new ArgumentOutOfRangeException(nameof(bound), bound, "the clip bound must be finite and > 0");

    /// <inheritdoc/>
    public string Name => "clip";

    /// <inheritdoc/>
    public ModelDelta Apply(ModelDelta delta, NodeUpdateContext context)
    {
        ArgumentNullException.ThrowIfNull(delta);
        ArgumentNullException.ThrowIfNull(context);
        context.NormBeforeClip = delta.L2Norm();
        delta.ClipTo(Bound);
        return delta;
    }
}
