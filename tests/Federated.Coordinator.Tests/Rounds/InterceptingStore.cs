using Federated.Coordinator.Rounds;

namespace Federated.Coordinator.Tests.Rounds;

/// <summary>A real store with a hook before every <see cref="CommitRound"/>, to hold or fail the writing of a version.</summary>
internal sealed class InterceptingStore(IRoundStore inner) : IRoundStore
{
    /// <summary>Called with the round before it is committed; may block or throw.</summary>
    public Action<StoredRound>? BeforeCommit { get; set; }

    public void CommitRound(StoredRound round, long version, ReadOnlySpan<float> parameters, IReadOnlyList<StoredMetric> metrics, RunStatus runStatus, byte[]? strategyState = null, Federated.Coordinator.Aggregation.ParameterChanges? changes = null)
    {
        BeforeCommit?.Invoke(round);
        inner.CommitRound(round, version, parameters, metrics, runStatus, strategyState, changes);
    }

    public long NextRunSequence() => inner.NextRunSequence();

    public void InsertRun(StoredRun run, long sequence, ReadOnlySpan<float> initialParameters) => inner.InsertRun(run, sequence, initialParameters);

    public void UpdateRun(string runId, RunStatus status, int consecutiveFailures, string message) => inner.UpdateRun(runId, status, consecutiveFailures, message);

    public IReadOnlyList<StoredRun> LoadRuns() => inner.LoadRuns();

    public float[]? LoadVersion(string runId, long version) => inner.LoadVersion(runId, version);

    public byte[]? LoadStrategyState(string runId, long version) => inner.LoadStrategyState(runId, version);

    public long? RoundOfVersion(string runId, long version) => inner.RoundOfVersion(runId, version);

    public void SaveRound(StoredRound round) => inner.SaveRound(round);

    public IReadOnlyList<StoredRound> LoadRounds(string runId) => inner.LoadRounds(runId);

    public void InsertUpload(string runId, long round, string nodeId, string uploadId, long examples, DateTimeOffset at) => inner.InsertUpload(runId, round, nodeId, uploadId, examples, at);

    public string? FindUpload(string runId, long round, string nodeId) => inner.FindUpload(runId, round, nodeId);

    public void DeleteUploads(string runId, long round) => inner.DeleteUploads(runId, round);

    public void SaveNodeSeen(string nodeId, string runId, DateTimeOffset at) => inner.SaveNodeSeen(nodeId, runId, at);

    public void DeleteNodeRun(string nodeId, string runId) => inner.DeleteNodeRun(nodeId, runId);

    public IReadOnlyList<StoredNodeRun> LoadNodeRuns() => inner.LoadNodeRuns();

    public double[]? LoadMetric(string runId, string kind, long round, string task) => inner.LoadMetric(runId, kind, round, task);

    public void SaveMetric(StoredMetric metric) => inner.SaveMetric(metric);

    public IReadOnlyList<StoredMetric> LoadMetrics(string runId) => inner.LoadMetrics(runId);

    public bool TryInsertEvaluation(string runId, long version, string nodeId) => inner.TryInsertEvaluation(runId, version, nodeId);

    public StoredNode? FindNode(string nodeId) => inner.FindNode(nodeId);

    public bool SetVersionKept(string runId, long version, bool kept) => inner.SetVersionKept(runId, version, kept);

    public int PruneVersions(string runId, int keepLast) => inner.PruneVersions(runId, keepLast);

    public IReadOnlyList<StoredVersion> ListVersions(string runId) => inner.ListVersions(runId);
}
