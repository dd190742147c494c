using Federated.Model.Spec;

namespace Federated.Protos;

/// <summary>
/// The one mapping between label statistics (<see cref="TaskLabelStatistics"/>) and their wire forms
/// (<see cref="V1.LabelStatisticsRequest"/>, <see cref="V1.LabelStatisticsSubmission"/>), used by the coordinator to ask
/// for them and read them and by the node to read the request and send them.
/// </summary>
/// <remarks>Nothing is checked here: the round engine validates what a node sent, completely, before it counts.</remarks>
public static class LabelStatisticsProto
{
    /// <summary>The request of an assignment for <paramref name="tasks"/>, or null when there are none (a training round).</summary>
    public static V1.LabelStatisticsRequest? ToRequest(IReadOnlyList<string>? tasks)
    {
        if (tasks is null)
        {
            return null;
        }

        var request = new V1.LabelStatisticsRequest();
        request.Tasks.Add(tasks);
        return request;
    }

    /// <summary>The tasks an assignment's request lists, or null when the assignment has none (a training round).</summary>
    public static IReadOnlyList<string>? TasksOf(V1.LabelStatisticsRequest? request) => request is null ? null : [.. request.Tasks];

    /// <summary>The wire form of a node's statistics for <paramref name="runId"/>'s round <paramref name="round"/>.</summary>
    public static V1.LabelStatisticsSubmission ToProto(string runId, long round, IReadOnlyList<TaskLabelStatistics> statistics)
    {
        ArgumentNullException.ThrowIfNull(statistics);
        var submission = new V1.LabelStatisticsSubmission { RunId = runId, Round = round };
        foreach (var entry in statistics)
        {
            submission.Statistics.Add(new V1.LabelStatistic { Task = entry.Task, Count = entry.Statistics.Count, Sum = entry.Statistics.Sum });
        }

        return submission;
    }

    /// <summary>The statistics a submission carries, as sent (in its order, repeated or unknown tasks included).</summary>
    public static IReadOnlyList<TaskLabelStatistics> FromProto(V1.LabelStatisticsSubmission submission)
    {
        ArgumentNullException.ThrowIfNull(submission);
        return [.. submission.Statistics.Select(s => new TaskLabelStatistics(s.Task, new OutputBiasStatistics(s.Count, s.Sum)))];
    }
}
