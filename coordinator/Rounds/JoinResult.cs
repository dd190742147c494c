using Federated.Model.Spec;

namespace Federated.Coordinator.Rounds;

/// <summary>What a node learns when it joins a run.</summary>
/// <param name="Run">The run.</param>
/// <param name="Spec">Its model spec.</param>
public sealed record JoinResult(RunSummary Run, ModelSpec Spec);
