namespace Federated.Coordinator.Rounds;

/// <summary>
/// Which nodes called in, when last, and for which runs: a node is connected while it has a run and called within the
/// liveness timeout. Thread-safe (its own lock, never held while calling out).
/// </summary>
internal sealed class NodePresenceTracker(TimeProvider time, TimeSpan livenessTimeout)
{
    /// <summary>
    /// How often a node's last call for a run is written to the store at most. A write waits for the store's writer,
    /// which a commit holds while it writes a version: writing every poll would make polls wait for commits.
    /// </summary>
    public static readonly TimeSpan StoreInterval = TimeSpan.FromSeconds(10);

    private readonly Lock _gate = new();
    private readonly Dictionary<string, (DateTimeOffset LastSeen, HashSet<string> Runs)> _nodes = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Node, string Run), DateTimeOffset> _stored = [];

    /// <summary>
    /// Whether the call of <paramref name="nodeId"/> for <paramref name="runId"/> at <paramref name="at"/> should be
    /// written to the store: its first since the start, or <see cref="StoreInterval"/> after the last one written.
    /// </summary>
    public bool ShouldStore(string nodeId, string runId, DateTimeOffset at)
    {
        lock (_gate)
        {
            if (_stored.TryGetValue((nodeId, runId), out var last) && at - last < StoreInterval)
            {
                return false;
            }

            _stored[(nodeId, runId)] = at;
            return true;
        }
    }

    /// <summary>Records a call of <paramref name="nodeId"/> for <paramref name="runId"/> now; returns the time recorded.</summary>
    public DateTimeOffset MarkSeen(string nodeId, string runId)
    {
        var now = time.GetUtcNow();
        Restore(nodeId, runId, now);
        return now;
    }

    /// <summary>Records a call of <paramref name="nodeId"/> for <paramref name="runId"/> at <paramref name="at"/> (read back from the store at a restart).</summary>
    public void Restore(string nodeId, string runId, DateTimeOffset at)
    {
        lock (_gate)
        {
            var (lastSeen, runs) = _nodes.TryGetValue(nodeId, out var presence) ? presence : (at, new HashSet<string>(StringComparer.Ordinal));
            runs.Add(runId);
            _nodes[nodeId] = (at > lastSeen ? at : lastSeen, runs);
        }
    }

    /// <summary>The node no longer belongs to <paramref name="runId"/>.</summary>
    public void Leave(string nodeId, string runId)
    {
        lock (_gate)
        {
            if (_nodes.TryGetValue(nodeId, out var presence))
            {
                presence.Runs.Remove(runId);
            }

            _stored.Remove((nodeId, runId));
        }
    }

    /// <summary>Whether the node belongs to some run and called within the liveness timeout.</summary>
    public bool IsConnected(string nodeId)
    {
        lock (_gate)
        {
            return _nodes.TryGetValue(nodeId, out var presence) && IsConnected(presence.LastSeen, presence.Runs, time.GetUtcNow());
        }
    }

    /// <summary>Every node that called in since the start, by id.</summary>
    public IReadOnlyList<NodePresence> List()
    {
        lock (_gate)
        {
            var now = time.GetUtcNow();
            return _nodes.OrderBy(p => p.Key, StringComparer.Ordinal)
                .Select(p => new NodePresence(p.Key, p.Value.LastSeen, IsConnected(p.Value.LastSeen, p.Value.Runs, now), p.Value.Runs.Order(StringComparer.Ordinal).ToList()))
                .ToList();
        }
    }

    private bool IsConnected(DateTimeOffset lastSeen, HashSet<string> runs, DateTimeOffset now) =>
        runs.Count > 0 && now - lastSeen <= livenessTimeout;
}
