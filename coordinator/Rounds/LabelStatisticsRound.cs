using Federated.Model.Spec;

namespace Federated.Coordinator.Rounds;

/// <summary>
/// The state of a run's label-statistics round: which shared tasks it asks for, what each node sent and the merged
/// statistics per task. Guarded by its run's state lock, like the round it belongs to; kept in memory only (a restart
/// reopens the round empty and its nodes send again).
/// </summary>
internal sealed class LabelStatisticsRound
{
    private readonly OutputBiasStatistics[] _merged;

    public LabelStatisticsRound(IReadOnlyList<TaskSpec> tasks)
    {
        Tasks = tasks;
        TaskNames = [.. tasks.Select(t => t.Name)];
        _merged = new OutputBiasStatistics[tasks.Count];
    }

    /// <summary>The tasks asked for, in spec order.</summary>
    public IReadOnlyList<TaskSpec> Tasks { get; }

    /// <summary>Their names, in the same order: what an assignment lists.</summary>
    public IReadOnlyList<string> TaskNames { get; }

    /// <summary>The merged statistics per task, in <see cref="Tasks"/> order.</summary>
    public IReadOnlyList<OutputBiasStatistics> Merged => _merged;

    /// <summary>What each node that was counted sent, in <see cref="Tasks"/> order (for recognising a retry).</summary>
    public Dictionary<string, OutputBiasStatistics[]> ByNode { get; } = new(StringComparer.Ordinal);

    /// <summary>Counts a node's validated statistics (in <see cref="Tasks"/> order) into the merge.</summary>
    public void Add(string nodeId, OutputBiasStatistics[] statistics)
    {
        for (var t = 0; t < _merged.Length; t++)
        {
            _merged[t] += statistics[t];
        }

        ByNode[nodeId] = statistics;
    }
}
