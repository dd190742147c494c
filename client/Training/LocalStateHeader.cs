namespace Federated.Client.Training;

/// <summary>What a local state file says about itself.</summary>
/// <param name="Fingerprint">The parameter layout's fingerprint.</param>
/// <param name="ModelVersion">The shared model version last trained from.</param>
/// <param name="Round">The round last trained.</param>
public sealed record LocalStateHeader(string Fingerprint, long ModelVersion, long Round);
