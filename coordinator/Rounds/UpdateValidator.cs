using Federated.Model.Spec;
using Federated.Model.Updates;

namespace Federated.Coordinator.Rounds;

/// <summary>
/// Decides whether a node's update may count in its run's open round, completely and without changing anything:
/// who sent it, for which round and version, its counts, its metric summaries (merged on copies with the round's),
/// and every tensor (names, shapes, rows, finiteness, norm).
/// </summary>
internal static class UpdateValidator
{
    /// <summary>Longest upload id, in characters.</summary>
    public const int MaxUploadIdLength = 128;

    /// <summary>Checks <paramref name="update"/> against <paramref name="run"/>'s state; the caller holds the run's lock.</summary>
    /// <param name="run">The run, at a consistent state.</param>
    /// <param name="update">The update.</param>
    /// <param name="authenticatedNodeId">The caller's node id, or null when the caller is trusted.</param>
    /// <param name="store">Read for uploads accepted before a restart; never written.</param>
    /// <returns>The outcome to answer for a recognised retry, or the validated update with the round's training metrics merged.</returns>
    /// <exception cref="RejectionException">The update cannot count; nothing was changed.</exception>
    public static ValidatedUpdate Validate(RunSession run, NodeUpdate update, string? authenticatedNodeId, IRoundStore store)
    {
        if (CheckHeader(run, update, authenticatedNodeId, store) is { } duplicate)
        {
            return ValidatedUpdate.Duplicate(duplicate);
        }

        var clip = run.Config.Training.ClipNorm;
        try
        {
            update.Delta.Validate(run.Layout, ParameterScope.Shared, clip > 0 ? clip : null);
        }
        catch (DeltaValidationException e)
        {
            throw new RejectionException(Map(e.Error), e.Message, e);
        }

        return ValidatedUpdate.New(update, MetricsLedger.MergeTraining(run.OpenRound!.TrainingMetrics, update.TrainingMetrics));
    }

    /// <summary>
    /// Everything <see cref="Validate"/> checks that needs no tensor, so that an upload can be refused right after its
    /// header: who sent it, for which round and version, whether it is a retry, its counts and its metric summaries
    /// (merged on copies with the round's). The caller holds the run's lock; no work is proportional to the model.
    /// </summary>
    /// <returns>The outcome to answer for a recognised retry, or null when the update's tensors may follow.</returns>
    /// <exception cref="RejectionException">The update cannot count, whatever its tensors; nothing was changed.</exception>
    public static SubmitOutcome? Admit(RunSession run, NodeUpdateHeader header, string? authenticatedNodeId, IRoundStore store)
    {
        if (CheckHeader(run, header, authenticatedNodeId, store) is { } duplicate)
        {
            return duplicate;
        }

        // Merged on copies and dropped: the complete update is merged again when it is submitted.
        _ = MetricsLedger.MergeTraining(run.OpenRound!.TrainingMetrics, header.TrainingMetrics);
        return null;
    }

    /// <summary>The checks of the header, in the order <see cref="Validate"/> makes them.</summary>
    private static SubmitOutcome? CheckHeader(RunSession run, NodeUpdateHeader update, string? authenticatedNodeId, IRoundStore store)
    {
        if (authenticatedNodeId is not null && !string.Equals(authenticatedNodeId, update.NodeId, StringComparison.Ordinal))
        {
            throw new RejectionException(Rejection.NodeMismatch, $"the update names node '{update.NodeId}' but the caller is '{authenticatedNodeId}'");
        }

        if (string.IsNullOrWhiteSpace(update.UploadId) || update.UploadId.Length > MaxUploadIdLength)
        {
            throw new RejectionException(Rejection.MalformedUpload, $"the update needs an upload id of 1–{MaxUploadIdLength} characters");
        }

        var open = run.OpenRound;
        if (open is not null && open.Round == update.Round && open.Accepted.TryGetValue(update.NodeId, out var accepted) && accepted == update.UploadId)
        {
            return new SubmitOutcome(true, open.Round, open.Accepted.Count);
        }

        if ((open is null || update.Round < open.Round) && update.Round <= run.LastRound
            && store.FindUpload(run.Id, update.Round, update.NodeId) == update.UploadId)
        {
            return new SubmitOutcome(true, update.Round, 0);
        }

        CheckRound(run, open, update);
        CheckCounts(run, update);
        MetricsLedger.CheckShape(run.Config.Spec, update.TrainingMetrics);
        return null;
    }

    private static void CheckRound(RunSession run, RoundSession? open, NodeUpdateHeader update)
    {
        RoundAdmission.CheckOpen(run, open, update.Round, "it takes no more updates");

        if (update.BaseVersion < open.BaseVersion)
        {
            throw new RejectionException(Rejection.StaleBaseVersion, $"base version {update.BaseVersion} is stale; round {open.Round} trains version {open.BaseVersion}");
        }

        if (update.BaseVersion > open.BaseVersion)
        {
            throw new RejectionException(Rejection.FutureBaseVersion, $"base version {update.BaseVersion} does not exist yet; round {open.Round} trains version {open.BaseVersion}");
        }

        RoundAdmission.CheckSelected(open, update.NodeId);

        if (open.LabelStatistics is not null)
        {
            throw new RejectionException(Rejection.LabelStatisticsMismatch, $"round {open.Round} is the run's label-statistics round: send the node's label statistics (SubmitLabelStatistics), not an update");
        }

        if (open.Accepted.ContainsKey(update.NodeId))
        {
            throw new RejectionException(Rejection.AlreadySubmitted, $"node '{update.NodeId}' already had an update accepted in round {open.Round} under another upload id");
        }
    }

    /// <summary>
    /// The example counts: &gt; 0 examples; per task a known name and a count in 0–examples; and a count for every task
    /// that has shared tensors, since its head's deltas are weighed by it (an absent count would silently drop them).
    /// </summary>
    private static void CheckCounts(RunSession run, NodeUpdateHeader update)
    {
        if (update.Examples <= 0)
        {
            throw new RejectionException(Rejection.InvalidExampleCount, $"the update must count > 0 training examples, not {update.Examples}");
        }

        foreach (var (task, labelled) in update.TaskExamples)
        {
            if (run.Config.Spec.TaskIndex(task) < 0)
            {
                throw new RejectionException(Rejection.InvalidExampleCount, $"example count for unknown task '{task}'");
            }

            if (labelled < 0)
            {
                throw new RejectionException(Rejection.InvalidExampleCount, $"example count of task '{task}' is negative ({labelled})");
            }

            if (labelled > update.Examples)
            {
                throw new RejectionException(Rejection.InvalidExampleCount, $"example count of task '{task}' ({labelled}) exceeds the update's {update.Examples} training examples");
            }
        }

        foreach (var task in run.SharedTasks)
        {
            if (!update.TaskExamples.ContainsKey(task))
            {
                throw new RejectionException(Rejection.InvalidExampleCount, $"the update has no example count for task '{task}', whose shared tensors it weighs (send 0 when the node has no labels for it)");
            }
        }
    }

    private static Rejection Map(DeltaValidationError error) => error switch
    {
        DeltaValidationError.MissingTensor => Rejection.MissingTensor,
        DeltaValidationError.UnexpectedTensor => Rejection.UnexpectedTensor,
        DeltaValidationError.WrongShape => Rejection.WrongShape,
        DeltaValidationError.RowOutOfRange => Rejection.RowOutOfRange,
        DeltaValidationError.NonFinite => Rejection.NonFinite,
        DeltaValidationError.NormTooLarge => Rejection.NormTooLarge,
        _ => Rejection.MalformedUpload,
    };
}
