namespace Federated.Coordinator.Rounds;

/// <summary>A run as stored.</summary>
/// <param name="Id">Run id, e.g. <c>run-1</c>.</param>
/// <param name="Name">Label from the config.</param>
/// <param name="ConfigJson">The run config as JSON.</param>
/// <param name="Status">Its state.</param>
/// <param name="ModelVersion">Latest committed version (0 = the initial parameters).</param>
/// <param name="ConsecutiveFailures">Rounds in a row that ended without quorum.</param>
/// <param name="CreatedAt">Creation time.</param>
/// <param name="Message">Why it ended, if it did.</param>
public sealed record StoredRun(string Id, string Name, string ConfigJson, RunStatus Status, long ModelVersion, int ConsecutiveFailures, DateTimeOffset CreatedAt, string Message);
