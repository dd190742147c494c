using Federated.Model.Updates;

namespace Federated.Coordinator.Aggregation.Privacy;

/// <summary>The clip rule of DP-FedAvg: one L2 norm over the whole update, and the adaptive clip's geometric step.</summary>
public static class UpdateClipping
{
    /// <summary>‖Δ‖₂ over every value the update carries (all shared tensors, sent rows included), summed in double.</summary>
    public static double Norm(ModelDelta delta)
    {
        ArgumentNullException.ThrowIfNull(delta);
        double squares = 0;
        foreach (var tensor in delta.Tensors)
        {
            foreach (var value in tensor.Values)
            {
                squares += (double)value * value;
            }
        }

        return Math.Sqrt(squares);
    }

    /// <summary>The factor min(1, S / ‖Δ‖₂) that brings an update of norm <paramref name="norm"/> within <paramref name="clip"/>.</summary>
    public static double Scale(double norm, double clip) => norm > clip ? clip / norm : 1;

    /// <summary>
    /// S·exp(−η_C (b̃ − γ)) with b̃ clamped to [0, 1] (Andrew et al. 2021): S grows when fewer than γ of the updates fit
    /// under it, shrinks when more do, by at most a factor exp(η_C) either way.
    /// </summary>
    /// <param name="clip">This round's S.</param>
    /// <param name="noisedFraction">b̃, the noised fraction of updates that were not clipped.</param>
    /// <param name="adaptive">γ and η_C.</param>
    public static double NextClip(double clip, double noisedFraction, AdaptiveClippingPlan adaptive)
    {
        ArgumentNullException.ThrowIfNull(adaptive);
        var fraction = Math.Clamp(noisedFraction, 0, 1);
        return clip * Math.Exp(-adaptive.LearningRate * (fraction - adaptive.TargetQuantile));
    }
}
