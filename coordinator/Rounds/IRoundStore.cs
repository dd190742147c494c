using Federated.Coordinator.Aggregation;

namespace Federated.Coordinator.Rounds;

/// <summary>
/// What the round engine needs from durable storage: runs, rounds, accepted uploads, model versions and their
/// retention, metrics, evaluations, and node lookups.
/// </summary>
/// <remarks>
/// Thread safety: an implementation must be safe to call from several threads at once. The engine calls it from
/// outside its own locks, concurrently for different runs, so every method is atomic on its own (a method that writes
/// several rows, such as <see cref="CommitRound"/>, does so in one transaction) and no two calls need to be ordered by
/// the store. Parameter blobs are opaque float32 arrays: their length is whatever was written.
/// </remarks>
public interface IRoundStore
{
    /// <summary>The sequence number the next run gets (runs ever created + 1).</summary>
    long NextRunSequence();

    /// <summary>Stores a new run and its version 0 in one transaction.</summary>
    void InsertRun(StoredRun run, long sequence, ReadOnlySpan<float> initialParameters);

    /// <summary>Updates a run's status, failure count and message.</summary>
    void UpdateRun(string runId, RunStatus status, int consecutiveFailures, string message);

    /// <summary>Every run, oldest first.</summary>
    IReadOnlyList<StoredRun> LoadRuns();

    /// <summary>Inserts or replaces a round.</summary>
    void SaveRound(StoredRound round);

    /// <summary>Every round of a run, in order.</summary>
    IReadOnlyList<StoredRound> LoadRounds(string runId);

    /// <summary>
    /// Commits a round in one transaction: the new version's parameters and its strategy state, the round's final state,
    /// its training metrics and the run's current version and status (its failure count back to 0). Nothing is announced
    /// before this returns.
    /// </summary>
    /// <param name="round">The round, committed.</param>
    /// <param name="version">The new version.</param>
    /// <param name="parameters">Its parameters.</param>
    /// <param name="metrics">The round's training metrics.</param>
    /// <param name="runStatus">The run's status after the commit.</param>
    /// <param name="strategyState">The opaque state of a stateful strategy after the round (server moments), kept and deleted with the version; null for none.</param>
    /// <param name="changes">
    /// Which values may differ from version <paramref name="version"/> − 1 (a superset is fine), so that a store may write
    /// only those; null when unknown (everything may differ). The loaded version must be <paramref name="parameters"/> either way.
    /// </param>
    void CommitRound(StoredRound round, long version, ReadOnlySpan<float> parameters, IReadOnlyList<StoredMetric> metrics, RunStatus runStatus, byte[]? strategyState = null, ParameterChanges? changes = null);

    /// <summary>Records an accepted upload, replacing an earlier one of the same node in the same round.</summary>
    void InsertUpload(string runId, long round, string nodeId, string uploadId, long examples, DateTimeOffset at);

    /// <summary>The upload id a node had accepted in a round, or null.</summary>
    string? FindUpload(string runId, long round, string nodeId);

    /// <summary>Forgets the uploads of a round (its aggregate was lost with the process, so they are sent again).</summary>
    void DeleteUploads(string runId, long round);

    /// <summary>The parameters of a stored version, or null when it does not exist (never stored, or pruned).</summary>
    float[]? LoadVersion(string runId, long version);

    /// <summary>The strategy state stored with a version, or null when the version stores none (or does not exist).</summary>
    byte[]? LoadStrategyState(string runId, long version);

    /// <summary>The round that produced a version (0 for the initial one), or null when no round is known to have produced it.</summary>
    long? RoundOfVersion(string runId, long version);

    /// <summary>Every stored version of a run, oldest first, without its parameters.</summary>
    IReadOnlyList<StoredVersion> ListVersions(string runId);

    /// <summary>Marks a version to keep (or clears the mark); false when the run has no such version.</summary>
    bool SetVersionKept(string runId, long version, bool kept);

    /// <summary>
    /// Deletes a run's versions except version 0, versions marked to keep, and the newest <paramref name="keepLast"/>
    /// versions (by number, marked or not); returns how many were deleted.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="keepLast"/> is less than 1 (the current version is always kept).</exception>
    int PruneVersions(string runId, int keepLast);

    /// <summary>A stored metric summary of a task in a round, or null.</summary>
    double[]? LoadMetric(string runId, string kind, long round, string task);

    /// <summary>Inserts or replaces a metric.</summary>
    void SaveMetric(StoredMetric metric);

    /// <summary>Every metric of a run, by round, kind and task.</summary>
    IReadOnlyList<StoredMetric> LoadMetrics(string runId);

    /// <summary>Records that a node evaluated a version; false when it already had.</summary>
    bool TryInsertEvaluation(string runId, long version, string nodeId);

    /// <summary>The enrolled node with this id, or null.</summary>
    StoredNode? FindNode(string nodeId);

    /// <summary>Records that a node called for a run (joining it if it had not): its membership and last call.</summary>
    void SaveNodeSeen(string nodeId, string runId, DateTimeOffset at);

    /// <summary>Forgets a node's membership of a run (it left).</summary>
    void DeleteNodeRun(string nodeId, string runId);

    /// <summary>Every node's membership of every run it joined and has not left, with its last call, by node and run.</summary>
    IReadOnlyList<StoredNodeRun> LoadNodeRuns();
}
