using Federated.Model.Metrics;

namespace Federated.Client.Federation;

/// <summary>What a node's run came to.</summary>
/// <param name="RunId">The run joined.</param>
/// <param name="NodeId">The node's id.</param>
/// <param name="RoundsTrained">Rounds trained and submitted by this process.</param>
/// <param name="ModelVersion">The last global version the node holds.</param>
/// <param name="Completed">True when the run ended; false when the node was stopped first.</param>
/// <param name="ResumedFromRound">The last round of the local state found at start, or null for a fresh node.</param>
/// <param name="Validation">Validation metrics of the last global version evaluated, or empty.</param>
public sealed record NodeRunSummary(string RunId, string NodeId, int RoundsTrained, long ModelVersion, bool Completed, long? ResumedFromRound, IReadOnlyList<TaskMetrics> Validation);
