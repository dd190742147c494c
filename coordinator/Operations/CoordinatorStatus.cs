using Federated.Coordinator.Rounds;

namespace Federated.Coordinator.Operations;

/// <summary>The coordinator at a glance, for operators.</summary>
/// <param name="StartedAt">When the engine started.</param>
/// <param name="RunsActive">Runs running or paused (the number of <paramref name="ActiveRuns"/>).</param>
/// <param name="NodesConnected">Nodes connected now (joined a run, seen within the liveness timeout, not revoked).</param>
/// <param name="NodesEnrolled">Nodes enrolled (revoked ones included).</param>
/// <param name="ActiveRuns">The runs running or paused, oldest first, with what a private one has spent.</param>
public sealed record CoordinatorStatus(DateTimeOffset StartedAt, int RunsActive, int NodesConnected, int NodesEnrolled, IReadOnlyList<RunSummary> ActiveRuns);
