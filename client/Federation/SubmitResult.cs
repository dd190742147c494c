namespace Federated.Client.Federation;

/// <summary>The coordinator's receipt for an update or evaluation: accepted, or recognised as a retry already counted.</summary>
public sealed record SubmitResult(bool Accepted, bool Duplicate);
