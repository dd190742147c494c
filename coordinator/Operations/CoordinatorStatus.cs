namespace Federated.Coordinator.Operations;

/// <summary>The coordinator at a glance, for operators.</summary>
/// <param name="StartedAt">When the engine started.</param>
/// <param name="RunsActive">Runs running or paused.</param>
/// <param name="NodesConnected">Nodes connected now (joined a run, seen within the liveness timeout, not revoked).</param>
/// <param name="NodesEnrolled">Nodes enrolled (revoked ones included).</param>
public sealed record CoordinatorStatus(DateTimeOffset StartedAt, int RunsActive, int NodesConnected, int NodesEnrolled);
