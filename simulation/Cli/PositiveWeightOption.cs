using System.CommandLine;
using System.Globalization;
using Federated.Model.Spec;

namespace Federated.Simulation.Cli;

/// <summary>
/// <c>--positive-weight TASK=W[,TASK=W…]</c>: sets <see cref="TaskSpec.PositiveWeight"/> of binary tasks on whatever
/// model the command trains (built-in or <c>--model</c>), so that re-weighting a rare class needs no spec file. Every
/// refusal is one <see cref="ArgumentException"/> naming the option.
/// </summary>
internal static class PositiveWeightOption
{
    /// <summary>A new instance of the option (one per command that takes it).</summary>
    public static Option<string?> Create() => new("--positive-weight")
    {
        Description = "Weight of positive examples in a binary task's training log-loss, TASK=W[,TASK=W…] with W > 0, e.g. conversion=5 "
            + "(about (1 − rate)/rate balances a rare class). Evaluation stays unweighted; the report adds the base rate, mean prediction, recall and precision at 0.5",
    };

    /// <summary><paramref name="spec"/> with the weights of <paramref name="text"/> set, validated; <paramref name="spec"/> itself when the text is null.</summary>
    /// <exception cref="ArgumentException">The text is malformed, names a task twice or a task the model lacks, a weight is not a finite number &gt; 0, or the task is not binary.</exception>
    public static ModelSpec Apply(ModelSpec spec, string? text)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (text is null)
        {
            return spec;
        }

        var weights = Parse(text);
        var tasks = spec.Tasks.ToArray();
        foreach (var (name, weight) in weights)
        {
            var t = spec.TaskIndex(name);
            if (t < 0)
            {
                throw new ArgumentException($"--positive-weight: the model has no task '{name}' (its tasks: {string.Join(", ", spec.Tasks.Select(x => x.Name))})");
            }

            if (tasks[t].Kind != TaskKind.Binary)
            {
                throw new ArgumentException($"--positive-weight: task '{name}' is a {tasks[t].Kind.ToString().ToLowerInvariant()} task; positive weights apply to binary tasks only");
            }

            tasks[t] = tasks[t] with { PositiveWeight = weight };
        }

        var weighted = spec with { Tasks = tasks };
        weighted.Validate();
        return weighted;
    }

    /// <summary>The (task, weight) pairs of <c>TASK=W[,TASK=W…]</c>, in order.</summary>
    /// <exception cref="ArgumentException">Malformed, a task named twice, or a weight that is not a finite number &gt; 0.</exception>
    public static IReadOnlyList<(string Task, float Weight)> Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var pairs = new List<(string, float)>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            var cut = part.IndexOf('=', StringComparison.Ordinal);
            if (cut <= 0)
            {
                throw new ArgumentException($"--positive-weight '{text}': expected TASK=W[,TASK=W…], e.g. conversion=5");
            }

            var task = part[..cut].Trim();
            var value = part[(cut + 1)..].Trim();
            if (!float.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var weight) || !float.IsFinite(weight) || weight <= 0)
            {
                throw new ArgumentException($"--positive-weight {task}={value}: the weight must be a finite number > 0");
            }

            if (pairs.Exists(p => p.Item1 == task))
            {
                throw new ArgumentException($"--positive-weight: task '{task}' is given twice");
            }

            pairs.Add((task, weight));
        }

        return pairs;
    }
}
