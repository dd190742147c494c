using Federated.Client.Data;
using Federated.Model.Spec;
using Federated.Simulation.Engine;

namespace Federated.Simulation.Attacks;

/// <summary>
/// The <c>label-flip</c> attack's data: a malicious client's training examples with every present label flipped —
/// binary y → 1 − y, regression r → (min + max) − r, where min and max are the smallest and largest label of that task
/// over the whole data set (MovieLens ratings 1..5: 5 → 1, 4 → 2, 3 → 3). Missing labels stay missing; test examples
/// keep their true labels, so every client is still evaluated on the truth.
/// </summary>
public static class LabelFlip
{
    /// <summary>Per schema task: (is binary, min + max of its labels over <paramref name="data"/>).</summary>
    public static (bool Binary, float Sum)[] Rules(SimulationData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var tasks = data.Schema.Tasks;
        var rules = new (bool Binary, float Sum)[tasks.Count];
        for (var t = 0; t < tasks.Count; t++)
        {
            var binary = data.Spec.Tasks.FirstOrDefault(s => s.Name == tasks[t])?.Kind == TaskKind.Binary;
            var min = float.PositiveInfinity;
            var max = float.NegativeInfinity;
            foreach (var example in data.Examples)
            {
                var label = example.Labels[t];
                if (!float.IsNaN(label))
                {
                    min = Math.Min(min, label);
                    max = Math.Max(max, label);
                }
            }

            rules[t] = (binary, float.IsFinite(min) ? min + max : 0);
        }

        return rules;
    }

    /// <summary>A copy of <paramref name="example"/> with every present label flipped by <paramref name="rules"/>.</summary>
    public static Example Flip(Example example, (bool Binary, float Sum)[] rules)
    {
        ArgumentNullException.ThrowIfNull(example);
        ArgumentNullException.ThrowIfNull(rules);
        var labels = new float[example.Labels.Length];
        for (var t = 0; t < labels.Length; t++)
        {
            var label = example.Labels[t];
            labels[t] = float.IsNaN(label) ? label : rules[t].Binary ? 1 - label : rules[t].Sum - label;
        }

        return new Example(example.LineNumber, example.Tokens, example.Numeric, labels, example.Time);
    }
}
