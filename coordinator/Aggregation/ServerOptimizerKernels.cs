using System.Diagnostics;

namespace Federated.Coordinator.Aggregation;

/// <summary>
/// One server-optimiser step over a span of parameters and their moments. The arithmetic is in double, the moments are
/// stored as float, and the parameter step uses the stored (rounded) moments, so that a run restarted from stored
/// moments takes exactly the steps an uninterrupted run takes. No fused multiply-add: every operation is rounded on its
/// own, the same on every machine.
/// </summary>
/// <remarks>
/// Per element, with Δ = <c>scale · sum</c> (the FedAvg weighted mean of the updates):
/// FedAvgM m ← β·m + Δ, θ ← θ + η·m; the adaptive ones m ← β₁·m + (1 − β₁)·Δ, then Adagrad v ← v + Δ², Adam
/// v ← β₂·v + (1 − β₂)·Δ², Yogi v ← v − (1 − β₂)·Δ²·sign(v − Δ²), and θ ← θ + η·m / (√v + τ).
/// This runs once per round on the coordinator over the parameters a round changes. It is a plain scalar loop: measured
/// with <c>Federated.Benchmarks server-optimizer</c> the whole step costs 1.1–1.4× FedAvg's vectorised finish (which is
/// dominated by writing the new version), so vectorising it would gain little of a round.
/// </remarks>
internal static class ServerOptimizerKernels
{
    /// <summary>One step of <paramref name="settings"/>' optimiser.</summary>
    /// <param name="settings">The optimiser and its parameters.</param>
    /// <param name="parameters">θ, changed in place.</param>
    /// <param name="m">The first moment (FedAvgM: the momentum buffer), as long as <paramref name="parameters"/>; changed in place.</param>
    /// <param name="v">The second moment (empty for FedAvgM); changed in place.</param>
    /// <param name="sum">Σ_k w_k Δ_k of the round, as long as <paramref name="parameters"/>.</param>
    /// <param name="scale">1 / Σ_k w_k, or 0 when no update carried these parameters (Δ = 0).</param>
    public static void Step(ServerOptimizerSettings settings, Span<float> parameters, Span<float> m, Span<float> v, ReadOnlySpan<double> sum, double scale)
    {
        Debug.Assert(m.Length == parameters.Length && sum.Length == parameters.Length, "one moment and one sum per parameter");
        var eta = settings.ServerLearningRate;
        if (settings.Kind == ServerOptimizerKind.FedAvgM)
        {
            var beta = settings.Momentum;
            for (var i = 0; i < parameters.Length; i++)
            {
                var momentum = (float)((beta * m[i]) + (scale * sum[i]));
                m[i] = momentum;
                parameters[i] = (float)(parameters[i] + (eta * momentum));
            }

            return;
        }

        Debug.Assert(v.Length == parameters.Length, "one second moment per parameter");
        var beta1 = settings.Beta1;
        var decay1 = 1 - beta1;
        var beta2 = settings.Beta2;
        var decay2 = 1 - beta2;
        var tau = settings.Tau;
        var kind = settings.Kind;
        for (var i = 0; i < parameters.Length; i++)
        {
            var delta = scale * sum[i];
            var first = (float)((beta1 * m[i]) + (decay1 * delta));
            var square = delta * delta;
            double previous = v[i];
            var second = kind switch
            {
                ServerOptimizerKind.FedAdagrad => (float)(previous + square),
                ServerOptimizerKind.FedAdam => (float)((beta2 * previous) + (decay2 * square)),
                _ => (float)(previous - (decay2 * square * Math.Sign(previous - square))),
            };
            m[i] = first;
            v[i] = second;
            parameters[i] = (float)(parameters[i] + (eta * first / (Math.Sqrt(second) + tau)));
        }
    }
}
