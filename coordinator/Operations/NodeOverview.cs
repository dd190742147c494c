namespace Federated.Coordinator.Operations;

/// <summary>An enrolled node as operators see it: its enrolment, its presence and what it contributed.</summary>
/// <param name="NodeId">Node id.</param>
/// <param name="CreatedAt">Enrolment time.</param>
/// <param name="Revoked">Whether its token was revoked.</param>
/// <param name="Connected">Connected now (never when revoked).</param>
/// <param name="LastSeen">Its last call since the coordinator started, or null.</param>
/// <param name="Runs">Runs it joined and has not left.</param>
/// <param name="RoundsContributed">Committed rounds, over all runs, that counted an update of it.</param>
public sealed record NodeOverview(string NodeId, DateTimeOffset CreatedAt, bool Revoked, bool Connected, DateTimeOffset? LastSeen, IReadOnlyList<string> Runs, int RoundsContributed);
