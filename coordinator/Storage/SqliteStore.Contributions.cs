namespace Federated.Coordinator.Storage;

/// <summary>Who contributed to which round: the accepted uploads (table <c>uploads</c>) of committed rounds.</summary>
public sealed partial class SqliteStore
{
    /// <summary>For every node with at least one, the number of committed rounds (over all runs) that counted an update of it.</summary>
    public IReadOnlyDictionary<string, int> CountContributions()
    {
        lock (_readGate)
        {
            return ReadQuery(
                    """
                    SELECT u.node_id, COUNT(*) FROM uploads u
                    JOIN rounds r ON r.run_id = u.run_id AND r.round = u.round
                    WHERE r.state = $committed GROUP BY u.node_id
                    """,
                    r => (Node: r.GetString(0), Rounds: r.GetInt32(1)),
                    ("$committed", StoredNames.Of(Rounds.RoundState.Committed)))
                .ToDictionary(c => c.Node, c => c.Rounds, StringComparer.Ordinal);
        }
    }

    /// <summary>The nodes whose update a round of <paramref name="runId"/> has accepted so far, by round, each list sorted by node id.</summary>
    public IReadOnlyDictionary<long, IReadOnlyList<string>> LoadContributors(string runId)
    {
        lock (_readGate)
        {
            return ReadQuery("SELECT round, node_id FROM uploads WHERE run_id = $run ORDER BY round, node_id", r => (Round: r.GetInt64(0), Node: r.GetString(1)), ("$run", runId))
                .GroupBy(u => u.Round)
                .ToDictionary(g => g.Key, g => (IReadOnlyList<string>)g.Select(u => u.Node).ToList());
        }
    }
}
