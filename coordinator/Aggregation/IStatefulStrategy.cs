namespace Federated.Coordinator.Aggregation;

/// <summary>
/// A strategy that carries state from one round of its run to the next (server momentum, server Adam moments), which
/// must be stored with each committed version so that a restarted coordinator continues exactly where it stopped.
/// </summary>
/// <remarks>
/// The engine knows nothing of what the state means: after a round's <see cref="IRoundAggregator.Finish"/> it asks for
/// <see cref="SaveState"/> of that round and stores the bytes in the same transaction as the version; when it reloads a
/// run it hands the bytes stored with the current version to <see cref="RestoreState"/> before any round begins. A
/// round begun from the parameters a finished round returned continues from that round's state; any other base model
/// (a retried round after a failed commit, a restart) continues from the state as of the last committed version, so
/// finishing a round twice, or not committing it, never advances the state twice.
/// </remarks>
public interface IStatefulStrategy
{
    /// <summary>
    /// The state after <paramref name="finished"/> (a round of this strategy whose <see cref="IRoundAggregator.Finish"/>
    /// returned, and whose successor has not begun yet), as bytes that start with a format version.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="finished"/> is not a round of this strategy.</exception>
    /// <exception cref="InvalidOperationException">The round has not finished, or a later round already took its state over.</exception>
    byte[] SaveState(IRoundAggregator finished);

    /// <summary>Replaces the state by bytes <see cref="SaveState"/> wrote; the rounds begun afterwards continue from it.</summary>
    /// <exception cref="InvalidDataException">The bytes are of another format version, strategy, layout or size.</exception>
    void RestoreState(ReadOnlySpan<byte> state);
}
