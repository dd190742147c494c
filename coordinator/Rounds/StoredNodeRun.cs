namespace Federated.Coordinator.Rounds;

/// <summary>A node's membership of a run as stored: it joined the run and has not left it.</summary>
/// <param name="NodeId">The node.</param>
/// <param name="RunId">The run it joined.</param>
/// <param name="LastSeen">Its last call for that run.</param>
public sealed record StoredNodeRun(string NodeId, string RunId, DateTimeOffset LastSeen);
