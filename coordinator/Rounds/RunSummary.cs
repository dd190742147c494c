using Federated.Coordinator.Privacy;

namespace Federated.Coordinator.Rounds;

/// <summary>A run's state for operators and nodes.</summary>
/// <param name="RunId">Run id.</param>
/// <param name="Name">Label.</param>
/// <param name="Status">State.</param>
/// <param name="ModelVersion">Latest committed version.</param>
/// <param name="Rounds">Target number of versions.</param>
/// <param name="CurrentRound">The open round, or the last one (0 before the first).</param>
/// <param name="Strategy">The run's pipeline: the strategy name, with any transform steps around it (e.g. <c>fedavg</c>, <c>norm-bound → median</c>).</param>
/// <param name="CreatedAt">Creation time.</param>
/// <param name="ConfigJson">The run config.</param>
/// <param name="Message">Why it ended, if it did.</param>
/// <param name="LayoutFingerprint">Fingerprint of the model's parameter layout.</param>
/// <param name="Privacy">(ε, δ) spent by the versions released so far (ε = 0 before the first); null when the run is not private.</param>
/// <param name="TargetEpsilon">The config's <c>privacy.targetEpsilon</c>; null without one.</param>
public sealed record RunSummary(string RunId, string Name, RunStatus Status, long ModelVersion, int Rounds, long CurrentRound, string Strategy, DateTimeOffset CreatedAt, string ConfigJson, string Message, string LayoutFingerprint, PrivacySpent? Privacy = null, double? TargetEpsilon = null);
