using Federated.Coordinator.Rounds;

namespace Federated.Coordinator.Operations;

/// <summary>A round with the nodes whose updates it counted.</summary>
/// <param name="Round">The round as the engine reports it (an open round with its live update count).</param>
/// <param name="Contributors">Nodes whose update the round accepted, sorted.</param>
public sealed record RoundOverview(StoredRound Round, IReadOnlyList<string> Contributors);
