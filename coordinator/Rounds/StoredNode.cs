namespace Federated.Coordinator.Rounds;

/// <summary>An enrolled node as stored (its token only as a SHA-256 hash).</summary>
/// <param name="Id">Node id chosen by the operator.</param>
/// <param name="TokenHash">Lower-case hex SHA-256 of its current token.</param>
/// <param name="Revoked">Whether its token was revoked.</param>
/// <param name="CreatedAt">Enrolment time.</param>
public sealed record StoredNode(string Id, string TokenHash, bool Revoked, DateTimeOffset CreatedAt);
