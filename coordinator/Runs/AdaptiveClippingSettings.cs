namespace Federated.Coordinator.Runs;

/// <summary>
/// Adaptive clipping of a private run (Andrew, Thakkar, McMahan and Ramaswamy, <i>Differentially Private Learning with
/// Adaptive Clipping</i>, NeurIPS 2021): the clip norm S follows a target quantile of the update norms. The defaults are
/// TensorFlow Federated's and Flower's.
/// </summary>
public sealed record AdaptiveClippingSettings
{
    /// <summary>S₀, the clip norm of the first round, &gt; 0. Default 0.1.</summary>
    public double InitialClip { get; set; } = 0.1;

    /// <summary>γ ∈ [0, 1], the fraction of updates S should leave unclipped. Default 0.5.</summary>
    public double TargetQuantile { get; set; } = 0.5;

    /// <summary>η_C &gt; 0: S ← S·exp(−η_C (b̃ − γ)), so S moves by at most a factor exp(η_C) per round. Default 0.2.</summary>
    public double LearningRate { get; set; } = 0.2;

    /// <summary>σ_b &gt; 0, the noise on the clipped count. Default: expected clients per round / 20.</summary>
    public double? CountNoise { get; set; }
}
