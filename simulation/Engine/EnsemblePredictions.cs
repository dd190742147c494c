using System.Globalization;
using System.Numerics.Tensors;
using Federated.Client.Training;
using Federated.Model.Metrics;
using Federated.Model.Spec;

namespace Federated.Simulation.Engine;

/// <summary>
/// The federated series of an ensemble (<see cref="SimulationOptions.Ensemble"/>): every member federation's
/// predictions on each client's test and validation rows, summed per evaluated round, so that the series' figures are
/// those of the members' mean prediction (regression: the mean value; binary: the mean probability). Only the sums are
/// kept: memory is rounds × rows × tasks floats whatever the number of members.
/// </summary>
/// <remarks>
/// Members are added one after another, each in client order, so the sums (and the figures) do not depend on the
/// number of workers. Not thread-safe: <see cref="Add"/> is called outside the workers' parallel loop.
/// </remarks>
internal sealed class EnsemblePredictions(ModelSpec spec, int clients, int bins)
{
    private readonly List<Slot?[]> _rounds = [];

    // Per client and part: the rows' labels, the same every round (the first member's first evaluation's).
    private readonly float[][]?[] _labels = new float[][]?[clients * 2];
    private readonly List<List<TaskMetrics[]>> _members = [];

    /// <summary>Rounds the first member evaluated, counting round 0 (the untrained model); later members must evaluate the same.</summary>
    public int Rounds => _rounds.Count;

    /// <summary>Adds one member's predictions of one client and part at one round.</summary>
    /// <param name="member">The member's index: 0 for the first, which sets the rounds; each later one must evaluate the same rounds.</param>
    /// <param name="round">The round (0 = the untrained model).</param>
    /// <param name="client">The client's index.</param>
    /// <param name="part">Test or validation.</param>
    /// <param name="predictions">Per task, the part's predictions in row order; kept (not copied) for the first member.</param>
    /// <param name="labels">Per task, the part's labels (the same every round); the first ones given are kept.</param>
    public void Add(int member, int round, int client, DataPart part, float[][] predictions, float[][] labels)
    {
        if (member == 0 && round == _rounds.Count)
        {
            _rounds.Add(new Slot?[clients * 2]);
        }

        if (round >= _rounds.Count)
        {
            throw new InvalidOperationException($"ensemble member {member + 1} evaluated round {round}, which the first member never reached");
        }

        _labels[Index(client, part)] ??= labels;
        ref var slot = ref _rounds[round][Index(client, part)];
        if (slot is null)
        {
            slot = new Slot(predictions);
            return;
        }

        for (var t = 0; t < predictions.Length; t++)
        {
            TensorPrimitives.Add(slot.Sums[t], predictions[t], slot.Sums[t]);
        }

        slot.Members++;
    }

    /// <summary>Per client, the members' mean prediction's summaries on a part at <paramref name="round"/>; empty lists where the part has no row.</summary>
    /// <exception cref="InvalidOperationException">A member did not evaluate the round.</exception>
    public IReadOnlyList<TaskMetrics>[] Metrics(int round, DataPart part, int members)
    {
        var perClient = new IReadOnlyList<TaskMetrics>[clients];
        for (var c = 0; c < clients; c++)
        {
            var slot = _rounds[round][Index(c, part)];
            if (slot is null || slot.Members != members)
            {
                throw new InvalidOperationException($"round {round}: {slot?.Members ?? 0} of the ensemble's {members} members evaluated client {c}");
            }

            // Divided on a copy: the store stays a sum, so asking again gives the same figures.
            var sums = slot.Sums.Select(sum => (float[])sum.Clone()).ToArray();
            perClient[c] = TaskMetricsBuilder.OfMean(spec.Tasks, bins, sums, members, _labels[Index(c, part)]!);
        }

        return perClient;
    }

    /// <summary>Records one member's own pooled test summaries at a round (its figures as a single model), in round order.</summary>
    public void AddMemberFigures(int member, int round, TaskMetrics[] pooled)
    {
        if (member == _members.Count)
        {
            _members.Add([]);
        }

        if (round != _members[member].Count)
        {
            throw new InvalidOperationException($"ensemble member {member + 1}: round {round} recorded out of order");
        }

        _members[member].Add(pooled);
    }

    /// <summary>
    /// Each member's headline test figure per task at <paramref name="round"/>, as a single model, e.g.
    /// <c>rating rmse 0.9251, 0.9262; like auc 0.7880, 0.7871</c>: what the ensemble's mean gains over its members.
    /// </summary>
    public string DescribeMembers(int round)
    {
        var c = CultureInfo.InvariantCulture;
        return string.Join("; ", spec.Tasks.Select((task, t) =>
        {
            var metric = MetricRecorder.MetricsOf(task)[0];
            var values = _members.Select(m => m[round][t].ToFigures().TryGetValue(metric, out var v) ? v.ToString("F4", c) : "n/a");
            return $"{task.Name} {metric} {string.Join(", ", values)}";
        }));
    }

    private static int Index(int client, DataPart part) => (client * 2) + (part == DataPart.Validation ? 1 : 0);

    /// <summary>One client's part at one round: the members' summed predictions.</summary>
    private sealed class Slot(float[][] sums)
    {
        public float[][] Sums { get; } = sums;

        public int Members { get; set; } = 1;
    }
}
