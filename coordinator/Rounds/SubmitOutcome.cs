namespace Federated.Coordinator.Rounds;

/// <summary>An accepted update or evaluation.</summary>
/// <param name="Duplicate">True when it had been accepted before under the same upload id (nothing counted again).</param>
/// <param name="Round">Its round.</param>
/// <param name="UpdatesInRound">Updates accepted so far in the round.</param>
public sealed record SubmitOutcome(bool Duplicate, long Round, int UpdatesInRound);
