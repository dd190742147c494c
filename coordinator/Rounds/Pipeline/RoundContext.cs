using Federated.Coordinator.Runs;
using Federated.Model.Parameters;

namespace Federated.Coordinator.Rounds.Pipeline;

/// <summary>What the steps of a round's pipeline may know about the round.</summary>
/// <param name="RunId">The run.</param>
/// <param name="Round">The round.</param>
/// <param name="BaseVersion">The version the round's nodes trained from.</param>
/// <param name="Config">The run's config.</param>
/// <param name="BaseModel">The shared parameters of <paramref name="BaseVersion"/>; read only.</param>
public sealed record RoundContext(string RunId, long Round, long BaseVersion, RunConfig Config, ParameterSet BaseModel);
