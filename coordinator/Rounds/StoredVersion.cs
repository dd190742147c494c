namespace Federated.Coordinator.Rounds;

/// <summary>A stored model version as listed for retention (its parameters are not read).</summary>
/// <param name="Version">Version number (0 = the run's initial parameters).</param>
/// <param name="Round">The round that produced it (0 for version 0).</param>
/// <param name="CreatedAt">When it was stored.</param>
/// <param name="Kept">Whether an operator marked it to keep; pruning never deletes it then.</param>
/// <param name="ByteSize">Size of its parameter blob in bytes (4 per float32; no length is assumed).</param>
public sealed record StoredVersion(long Version, long Round, DateTimeOffset CreatedAt, bool Kept, long ByteSize);
