using System.Numerics.Tensors;
using Federated.Model.Metrics;

namespace Federated.Client.Training;

/// <summary>
/// Several runs' models on one node's data, used as one: each task's prediction is the members' mean (regression: the
/// mean value; binary: the mean probability). The members are sessions over the same data file and split, each with its
/// own run's global model and local state (e.g. the state directories of K runs that trained the same recommender with
/// different seeds); their tasks must be the same, in the same order.
/// </summary>
public sealed class SessionEnsemble
{
    private readonly IReadOnlyList<NodeTrainingSession> _members;

    /// <summary>Groups <paramref name="members"/>.</summary>
    /// <exception cref="ArgumentException">Fewer than one member, or a member whose tasks (names, kinds, order) differ from the first's.</exception>
    public SessionEnsemble(IReadOnlyList<NodeTrainingSession> members)
    {
        ArgumentNullException.ThrowIfNull(members);
        if (members.Count == 0)
        {
            throw new ArgumentException("an ensemble needs at least one member", nameof(members));
        }

        var tasks = Describe(members[0]);
        for (var m = 1; m < members.Count; m++)
        {
            if (Describe(members[m]) != tasks)
            {
                throw new ArgumentException($"member {m + 1}'s tasks ({Describe(members[m])}) differ from the first member's ({tasks})", nameof(members));
            }
        }

        _members = members;
    }

    /// <summary>The members' mean prediction's summaries on a part of the split.</summary>
    /// <param name="part">Which part.</param>
    /// <param name="bins">Histogram bins of binary summaries.</param>
    /// <exception cref="InvalidOperationException">The members' rows or labels differ (different data or split).</exception>
    public IReadOnlyList<TaskMetrics> Evaluate(DataPart part, int bins = BinaryMetricSummary.DefaultBinCount)
    {
        var first = _members[0];
        var rows = TrainingWorkspace.RowCount(first.Data, part);
        var tasks = first.Spec.Tasks;
        var sums = tasks.Select(_ => new float[rows]).ToArray();
        var labels = tasks.Select(_ => new float[rows]).ToArray();
        var predictions = tasks.Select(_ => new float[rows]).ToArray();
        var memberLabels = tasks.Select(_ => new float[rows]).ToArray();
        first.Predict(part, sums, labels);
        for (var m = 1; m < _members.Count; m++)
        {
            if (TrainingWorkspace.RowCount(_members[m].Data, part) != rows)
            {
                throw new InvalidOperationException($"member {m + 1} has {TrainingWorkspace.RowCount(_members[m].Data, part)} {Name(part)} rows, the first {rows}: the members must read the same data with the same split");
            }

            _members[m].Predict(part, predictions, memberLabels);
            for (var t = 0; t < tasks.Count; t++)
            {
                if (!memberLabels[t].AsSpan().SequenceEqual(labels[t]))
                {
                    throw new InvalidOperationException($"member {m + 1}'s {Name(part)} labels of task {tasks[t].Name} differ from the first member's: the members must read the same data with the same split");
                }

                TensorPrimitives.Add(sums[t], predictions[t], sums[t]);
            }
        }

return TaskMetricsBuilder.OfMean(tasks, bins, sums, _members.Count, labels);
    }

    /// <summary>The top-K items for a user by the members' mean predictions (see <see cref="NodeTrainingSession.Recommend"/>).</summary>
    /// <exception cref="ArgumentException">As <see cref="NodeTrainingSession.Recommend"/>.</exception>
    /// <exception cref="InvalidOperationException">The members' candidate items differ (different data).</exception>
    public IReadOnlyList<Recommendation> Recommend(string user, int k, bool excludeSeen = true, string? rankBy = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        var first = _members[0];
        var scored = first.ScoreCandidates(user, excludeSeen);
        var rankTask = first.RankTask(rankBy);
        if (rankTask < 0)
        {
            throw new ArgumentException($"the model has no task '{rankBy}'", nameof(rankBy));
        }

        var sums = scored.Select(s => (s.Item, Sum: (float[])s.Predictions.Clone())).ToArray();
        for (var m = 1; m < _members.Count; m++)
        {
            var other = _members[m].ScoreCandidates(user, excludeSeen);
            if (other.Count != sums.Length)
            {
                throw new InvalidOperationException($"member {m + 1} has {other.Count} candidate items for user '{user}', the first {sums.Length}: the members must read the same data");
            }

            for (var i = 0; i < sums.Length; i++)
            {
                if (!string.Equals(other[i].Item, sums[i].Item, StringComparison.Ordinal))
                {
                    throw new InvalidOperationException($"member {m + 1}'s candidate items differ from the first member's ('{other[i].Item}' against '{sums[i].Item}'): the members must read the same data");
                }

                TensorPrimitives.Add(sums[i].Sum, other[i].Predictions, sums[i].Sum);
            }
        }

        foreach (var (_, sum) in sums)
        {
            TensorPrimitives.Divide(sum, _members.Count, sum);
        }

        return first.Rank(sums, rankTask, k);
    }

    private static string Describe(NodeTrainingSession session) => string.Join(", ", session.Spec.Tasks.Select(t => $"{t.Name} {t.Kind.ToString().ToLowerInvariant()}"));

    private static string Name(DataPart part) => part.ToString().ToLowerInvariant();
}
