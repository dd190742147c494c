namespace Federated.Coordinator.Aggregation;

/// <summary>The server optimiser a <see cref="ServerOptimizerStrategy"/> applies to the round's pseudo-gradient.</summary>
public enum ServerOptimizerKind
{
    /// <summary>Server momentum (Hsu et al. 2019): m ← β·m + Δ, θ ← θ + η·m.</summary>
    FedAvgM = 1,

    /// <summary>Adagrad on the server (Reddi et al. 2021): v ← v + Δ².</summary>
    FedAdagrad = 2,

    /// <summary>Adam on the server (Reddi et al. 2021), without bias correction: v ← β₂·v + (1 − β₂)·Δ².</summary>
    FedAdam = 3,

    /// <summary>Yogi on the server (Reddi et al. 2021): v ← v − (1 − β₂)·Δ²·sign(v − Δ²).</summary>
    FedYogi = 4,
}
