using Federated.Coordinator.Aggregation;
using Federated.Model.Parameters;
using Federated.Model.Spec;

namespace Federated.Coordinator.Rounds;

/// <summary>
/// The label-statistics round: when a run's spec has shared heads whose output bias starts from data
/// (<see cref="TaskSpec.OutputBiasFromData"/>), the round that trains from version 0 trains nothing. Its nodes send the
/// count and sum of their training labels per such task; the merge sets each head's bias in version 1.
/// </summary>
/// <remarks>
/// <para>
/// The round opens, selects, waits, closes and fails as any round does (every selected node answered, or the deadline
/// with the quorum; else it fails and is retried as the run's config says), and a restart reopens it empty, so its nodes
/// send again. Its commit writes version 1 = version 0 with <c>tower/{task}/out/b</c> set to
/// <see cref="OutputBiasStatistics.Bias"/> of the merged statistics of each task; a task whose merged count is 0 (no node
/// has a label for it) keeps the spec's <see cref="TaskSpec.OutputBias"/>, which version 0 already holds.
/// </para>
/// <para>
/// The statistics are plaintext per node, which is why a run with differential privacy or secure aggregation may not
/// have such a head (<see cref="Runs.RunConfig.Validate"/>). Every submission is validated completely
/// (<see cref="LabelStatisticsValidator"/>) before it counts.
/// </para>
/// </remarks>
public sealed partial class RoundEngine
{
    /// <summary>
    /// Validates a node's label statistics completely and merges them into its run's open label-statistics round; closes
    /// the round when every selected node has answered. A second submission by the same node in the same round with the
    /// very same statistics is a retry: answered <see cref="SubmitOutcome.Duplicate"/>, nothing counted again.
    /// </summary>
    /// <param name="nodeId">The sender (authenticated by the caller).</param>
    /// <param name="runId">The run.</param>
    /// <param name="round">The round of the node's assignment.</param>
    /// <param name="statistics">One entry per task the assignment lists.</param>
    /// <returns>Whether it was a retry, the round, and how many nodes the round has counted.</returns>
    /// <exception cref="RejectionException">The statistics were refused; nothing changed.</exception>
    public SubmitOutcome SubmitLabelStatistics(string nodeId, string runId, long round, IReadOnlyList<TaskLabelStatistics> statistics)
    {
        ArgumentNullException.ThrowIfNull(statistics);
        var events = new List<RoundEvent>();
        try
        {
            RequireNode(nodeId);
            var run = RequireRun(runId);
            run.Writer.Wait();
            try
            {
                SubmitOutcome outcome;
                RoundSession? closing = null;
                lock (run.State)
                {
                    var validated = LabelStatisticsValidator.Validate(run, nodeId, round, statistics, _maxLabelledExamples);
                    var open = run.OpenRound!;
                    if (validated is null)
                    {
                        return new SubmitOutcome(true, round, open.Accepted.Count);
                    }

                    open.LabelStatistics!.Add(nodeId, validated);
                    open.Accepted[nodeId] = "label-statistics";
                    var count = open.Accepted.Count;
                    RoundsLog.LabelStatisticsAccepted(_logger, run.Id, open.Round, nodeId);
                    events.Add(Event(RoundEventKind.UpdateAccepted, run, open.Round, nodeId, $"label statistics: {count} of {open.Awaited} nodes"));
                    run.Joined.Add(nodeId);
                    outcome = new SubmitOutcome(false, round, count);
                    if (count == open.Awaited)
                    {
                        closing = open;
                        open.Closing = true;
                    }
                }

                var seen = _presence.MarkSeen(nodeId, run.Id);
                if (_presence.ShouldStore(nodeId, run.Id, seen))
                {
                    _store.SaveNodeSeen(nodeId, run.Id, seen);
                }

                if (closing is not null)
                {
                    Commit(run, closing, events);
                }

                return outcome;
            }
            finally
            {
                run.Writer.Release();
            }
        }
        catch (RejectionException e)
        {
            events.Add(UpdateRejected(nodeId ?? "", runId ?? "", round, e));
            throw;
        }
        finally
        {
            Events.Publish(events);
        }
    }

    /// <summary>
    /// Version 1 of a label-statistics round: the base version with each asked task's shared output bias set from the
    /// merged statistics (a task without labels keeps the base's value, the spec's), written into the run's spare buffer.
    /// The caller holds the run's writer lock, not its state lock.
    /// </summary>
    private (ParameterSet Next, ParameterChanges Changes) FinishLabelStatistics(RunSession run, RoundSession open, LabelStatisticsRound statistics)
    {
        var next = run.Buffers.PrepareNext();
        var changed = new List<ParameterRange>();
        try
        {
            for (var t = 0; t < statistics.Tasks.Count; t++)
            {
                var task = statistics.Tasks[t];
                var merged = statistics.Merged[t];
                if (merged.Count == 0)
                {
                    RoundsLog.OutputBiasKept(_logger, run.Id, open.Round, task.Name, task.OutputBias);
                    continue;
                }

                var tensor = next.Layout[TensorNames.Bias(TensorNames.TowerOutput(task.Name))];
                var bias = merged.Bias(task.Kind);
                next[tensor].Fill(bias);
                changed.Add(new ParameterRange(tensor.Offset, tensor.Length));
                RoundsLog.OutputBiasFromData(_logger, run.Id, open.Round, task.Name, bias, merged.Count, statistics.ByNode.Count);
            }
        }
        catch
        {
            run.Buffers.Discard();
            throw;
        }

        return (next, ParameterChanges.Of(next.Values.Length, changed));
    }
}
