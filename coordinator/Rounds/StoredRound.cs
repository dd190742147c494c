namespace Federated.Coordinator.Rounds;

/// <summary>A round as stored.</summary>
/// <param name="RunId">Its run.</param>
/// <param name="Round">Round number, from 1, consecutive within a run (failed rounds count).</param>
/// <param name="BaseVersion">The version nodes train from.</param>
/// <param name="State">Its state.</param>
/// <param name="Selected">Selected node ids, sorted.</param>
/// <param name="StartedAt">Start.</param>
/// <param name="Deadline">Deadline.</param>
/// <param name="ClosedAt">When it was committed, failed or abandoned.</param>
/// <param name="Updates">Accepted updates.</param>
/// <param name="ResultVersion">The version it produced, when committed.</param>
/// <param name="Released">
/// Selected nodes whose slot was released before they sent (they left the run or were revoked): the round no longer
/// waited for them. Sorted; empty (null) for none.
/// </param>
public sealed record StoredRound(string RunId, long Round, long BaseVersion, RoundState State, IReadOnlyList<string> Selected, DateTimeOffset StartedAt, DateTimeOffset Deadline, DateTimeOffset? ClosedAt, int Updates, long? ResultVersion, IReadOnlyList<string>? Released = null);
