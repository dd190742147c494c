using Federated.Model.Explanation;
using Federated.Model.Training;

namespace Federated.Client.Training;

/// <summary>Explanations of the session's current model: why it recommends what it does, how its gates mix experts.</summary>
public sealed partial class NodeTrainingSession
{
    private ModelExplainer? _explainer;

    /// <summary>
    /// Explains <paramref name="items"/> (from <see cref="Recommend"/>) for <paramref name="user"/>: example i of the
    /// result is items[i], scored as <see cref="Recommend"/> scores it (the user's features with the item's).
    /// </summary>
    /// <exception cref="ArgumentException">The user or an item is not in the node's data.</exception>
    public ModelExplanation ExplainRecommendations(string user, IReadOnlyList<Recommendation> items)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(items);
        var table = _data.Table;
        if (!table.TryFindUser(user, out var userRow, out _))
        {
            throw new ArgumentException($"user '{user}' has no examples on this node", nameof(user));
        }

        var itemIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < table.Items.Count; i++)
        {
            itemIndex[table.Items[i]] = i;
        }

        var firstRows = table.FirstRowOfItems();
        var batch = new Batch(Spec, Math.Max(1, items.Count));
        foreach (var item in items)
        {
            if (!itemIndex.TryGetValue(item.Item, out var index))
            {
                throw new ArgumentException($"item '{item.Item}' is not in the node's data", nameof(items));
            }

            table.AddCombined(batch, userRow, firstRows[index], _data.Standardizer);
        }

        return Explainer().Explain(Parameters, batch);
    }

    /// <summary>
    /// Each task's gate weights per level averaged over a part of the split: how much each expert serves each task on
    /// this node's data. Empty for a shared-bottom trunk (no gates) or an empty part.
    /// </summary>
    public IReadOnlyList<GateWeightSummary> MeanGateWeights(DataPart part = DataPart.Validation)
    {
        var explainer = Explainer();
        var rows = LocalEvaluator.Rows(_data, part);
        if (!explainer.HasGates || rows.Length == 0)
        {
            return [];
        }

        var tasks = Spec.Tasks;
        var sums = new double[tasks.Count][][];
        for (var t = 0; t < tasks.Count; t++)
        {
            sums[t] = new double[explainer.Levels][];
            for (var l = 0; l < explainer.Levels; l++)
            {
                sums[t][l] = new double[explainer.ExpertsOf(t).Count];
            }
        }

        var batch = new Batch(Spec, Math.Max(1, _options.EvaluationBatchSize));
        for (var start = 0; start < rows.Length; start += batch.Capacity)
        {
            batch.Clear();
            _data.Table.Fill(batch, rows.AsSpan(start, Math.Min(batch.Capacity, rows.Length - start)), _data.Standardizer);
            var explanation = explainer.Explain(Parameters, batch, attributions: false);
            for (var t = 0; t < tasks.Count; t++)
            {
                for (var l = 0; l < explainer.Levels; l++)
                {
                    for (var i = 0; i < batch.Count; i++)
                    {
                        var weights = explanation.GateWeights(t, i, l);
                        for (var k = 0; k < weights.Length; k++)
                        {
                            sums[t][l][k] += weights[k];
                        }
                    }
                }
            }
        }

        var summaries = new List<GateWeightSummary>();
        for (var t = 0; t < tasks.Count; t++)
        {
            for (var l = 0; l < explainer.Levels; l++)
            {
                summaries.Add(new GateWeightSummary(tasks[t].Name, l, explainer.ExpertsOf(t), [.. sums[t][l].Select(s => s / rows.Length)], rows.Length));
            }
        }

        return summaries;
    }

    private ModelExplainer Explainer() => _explainer ??= new ModelExplainer(Model, Math.Max(1, _options.EvaluationBatchSize));
}
