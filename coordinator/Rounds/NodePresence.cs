namespace Federated.Coordinator.Rounds;

/// <summary>A node's connection state as the engine tracks it.</summary>
/// <param name="NodeId">Node id.</param>
/// <param name="LastSeen">Its last call.</param>
/// <param name="Connected">Joined some run, not left, and seen within the liveness timeout.</param>
/// <param name="Runs">Runs it joined.</param>
public sealed record NodePresence(string NodeId, DateTimeOffset LastSeen, bool Connected, IReadOnlyList<string> Runs);
