using Federated.Model.Spec;

namespace Federated.Coordinator.Rounds;

/// <summary>
/// Decides whether a node's label statistics may count in its run's open label-statistics round, completely and
/// without changing anything: who sent them, for which round, and every value, including whether they can be merged
/// with what the round already holds.
/// </summary>
internal static class LabelStatisticsValidator
{
    /// <summary>
    /// Most labelled examples per task the round merges, 2^53: the counts stay exact as doubles (the mean is computed in
    /// double), as the counts of metric summaries do.
    /// </summary>
    public const long MaxMergedCount = 1L << 53;

    /// <summary>Checks a submission against <paramref name="run"/>'s state; the caller holds the run's state lock.</summary>
    /// <param name="run">The run, at a consistent state.</param>
    /// <param name="nodeId">The sender (authenticated, or trusted in memory).</param>
    /// <param name="round">The round the node names.</param>
    /// <param name="statistics">What it sent, one entry per task.</param>
    /// <param name="maxCount">The coordinator's limit on one node's count per task.</param>
    /// <returns>The statistics in the round's task order, or null for a retry of what was already counted.</returns>
    /// <exception cref="RejectionException">The statistics cannot count; nothing was changed.</exception>
    public static OutputBiasStatistics[]? Validate(RunSession run, string nodeId, long round, IReadOnlyList<TaskLabelStatistics> statistics, long maxCount)
    {
        var open = run.OpenRound;

        // A retry of exactly what was counted is recognised first, as a retried upload is, even while the round closes.
        if (open is { LabelStatistics: { } counted } && open.Round == round && counted.ByNode.TryGetValue(nodeId, out var before))
        {
            var again = TryOrder(counted, statistics);
            if (again is not null && again.AsSpan().SequenceEqual(before))
            {
                return null;
            }
        }

        CheckRound(run, open, nodeId, round);
        var tasks = open!.LabelStatistics!;
        var ordered = Order(tasks, statistics);
        for (var t = 0; t < ordered.Length; t++)
        {
            CheckValues(tasks.Tasks[t], ordered[t], maxCount);
            CheckMerge(tasks.Tasks[t].Name, tasks.Merged[t], ordered[t]);
        }

        return ordered;
    }

    /// <summary>The checks of run, round and selection, with the rejections of an update's.</summary>
    private static void CheckRound(RunSession run, RoundSession? open, string nodeId, long round)
    {
        RoundAdmission.CheckOpen(run, open, round, "it takes nothing more");
        RoundAdmission.CheckSelected(open, nodeId);

        if (open.LabelStatistics is null)
        {
            throw new RejectionException(Rejection.LabelStatisticsMismatch, $"round {open.Round} trains: send an update, not label statistics");
        }

        if (open.Accepted.ContainsKey(nodeId))
        {
            throw new RejectionException(Rejection.AlreadySubmitted, $"node '{nodeId}' already had other label statistics accepted in round {open.Round}");
        }
    }

    /// <summary>The statistics in the round's task order: exactly its tasks, each once.</summary>
    private static OutputBiasStatistics[] Order(LabelStatisticsRound round, IReadOnlyList<TaskLabelStatistics> statistics)
    {
        var ordered = new OutputBiasStatistics[round.Tasks.Count];
        var seen = new bool[round.Tasks.Count];
        foreach (var entry in statistics)
        {
            var t = IndexOf(round, entry.Task);
            if (t < 0)
            {
                // The name is the node's: it is not echoed (a task name is bounded at the edge, but need not be printable).
                throw new RejectionException(Rejection.InvalidLabelStatistics, $"statistics for a task the round does not ask for; it asks for {string.Join(", ", round.TaskNames)}");
            }

            if (seen[t])
            {
                throw new RejectionException(Rejection.InvalidLabelStatistics, $"task '{round.TaskNames[t]}' is listed twice");
            }

            seen[t] = true;
            ordered[t] = entry.Statistics;
        }

        var missing = Array.IndexOf(seen, false);
        if (missing >= 0)
        {
            throw new RejectionException(Rejection.InvalidLabelStatistics, $"no statistics for task '{round.TaskNames[missing]}' (send count 0 and sum 0 when the node has no label for it)");
        }

        return ordered;
    }

    /// <summary>Like <see cref="Order"/> but null instead of a refusal (for recognising a retry).</summary>
    private static OutputBiasStatistics[]? TryOrder(LabelStatisticsRound round, IReadOnlyList<TaskLabelStatistics> statistics)
    {
        try
        {
            return Order(round, statistics);
        }
        catch (RejectionException)
        {
            return null;
        }
    }

    private static int IndexOf(LabelStatisticsRound round, string? task)
    {
        for (var t = 0; t < round.TaskNames.Count; t++)
        {
            if (string.Equals(round.TaskNames[t], task, StringComparison.Ordinal))
            {
                return t;
            }
        }

        return -1;
    }

    /// <summary>One node's count and sum of one task.</summary>
    private static void CheckValues(TaskSpec task, OutputBiasStatistics statistics, long maxCount)
    {
        var (count, sum) = (statistics.Count, statistics.Sum);
        if (count < 0 || count > maxCount)
        {
            throw new RejectionException(Rejection.InvalidLabelStatistics, $"task '{task.Name}': count {count} is outside [0, {maxCount}]");
        }

        if (!double.IsFinite(sum))
        {
            throw new RejectionException(Rejection.InvalidLabelStatistics, $"task '{task.Name}': the sum is not finite");
        }

        if (count == 0 && sum != 0)
        {
            throw new RejectionException(Rejection.InvalidLabelStatistics, $"task '{task.Name}': count 0 needs sum 0, not {sum}");
        }

        // Binary labels are 0 or 1, so their sum (the positives) lies in [0, count].
        if (task.Kind == TaskKind.Binary && (sum < 0 || sum > count))
        {
            throw new RejectionException(Rejection.InvalidLabelStatistics, $"task '{task.Name}' is binary: the sum {sum} must be in [0, count = {count}]");
        }
    }

    /// <summary>Whether the round's merge can take <paramref name="statistics"/>: the count stays ≤ 2^53 and the sum finite.</summary>
    private static void CheckMerge(string task, OutputBiasStatistics merged, OutputBiasStatistics statistics)
    {
        // Both counts are ≥ 0 and ≤ 2^53 here, so their sum cannot overflow a long.
        if (merged.Count + statistics.Count > MaxMergedCount)
        {
            throw new RejectionException(Rejection.InvalidLabelStatistics, $"task '{task}': the merged count would exceed 2^53 labelled examples");
        }

        if (!double.IsFinite(merged.Sum + statistics.Sum))
        {
            throw new RejectionException(Rejection.InvalidLabelStatistics, $"task '{task}': the merged sum would overflow");
        }
    }
}
