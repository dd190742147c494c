namespace Federated.Coordinator.Rounds;

/// <summary>A merged metric summary of one task in one round.</summary>
/// <param name="RunId">Its run.</param>
/// <param name="Round">Train: the round; eval: the round that produced the evaluated version (0 = initial).</param>
/// <param name="ModelVersion">Train: the round's base version; eval: the evaluated version.</param>
/// <param name="Task">Task name.</param>
/// <param name="Kind"><c>train</c> or <c>eval</c>.</param>
/// <param name="Summary">The merged summary's wire form.</param>
public sealed record StoredMetric(string RunId, long Round, long ModelVersion, string Task, string Kind, double[] Summary);
