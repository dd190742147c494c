namespace Federated.Coordinator.Rounds;

/// <summary>One event of a run, for watchers.</summary>
/// <param name="Kind">What happened.</param>
/// <param name="RunId">The run.</param>
/// <param name="Round">The round, or 0.</param>
/// <param name="ModelVersion">The run's version after the event.</param>
/// <param name="NodeId">The node concerned, or empty.</param>
/// <param name="Message">Details for people.</param>
/// <param name="At">When.</param>
/// <param name="RunStatus">The run's state after the event.</param>
/// <param name="Reason">Why an update was refused (<see cref="RoundEventKind.UpdateRejected"/>); null for every other kind.</param>
public sealed record RoundEvent(RoundEventKind Kind, string RunId, long Round, long ModelVersion, string NodeId, string Message, DateTimeOffset At, RunStatus RunStatus, Rejection? Reason = null);
