using Federated.Model.Spec;

namespace Federated.Model.Explanation;

/// <summary>
/// What <see cref="ModelExplainer.Explain"/> found for a batch of <see cref="Count"/> examples: per task its raw outputs,
/// its gate weights per level, and per field its gradient × input attribution.
/// </summary>
public sealed class ModelExplanation
{
    private readonly float[][] _outputs;
    private readonly float[][][] _gates;
    private readonly string[][] _experts;
    private readonly float[][]? _attributions;

    internal ModelExplanation(ModelSpec spec, int count, float[][] outputs, float[][][] gates, string[][] experts, float[][]? attributions)
    {
        Spec = spec;
        Count = count;
        _outputs = outputs;
        _gates = gates;
        _experts = experts;
        _attributions = attributions;
    }

    /// <summary>The model's spec (tasks and fields in its order).</summary>
    public ModelSpec Spec { get; }

    /// <summary>Examples explained.</summary>
    public int Count { get; }

    /// <summary>Gate levels per task (0 for shared-bottom, 1 for MMoE, the extraction levels for PLE).</summary>
    public int Levels => _gates.Length == 0 ? 0 : _gates[0].Length;

    /// <summary>Whether field attributions were computed.</summary>
    public bool HasAttributions => _attributions is not null;

    /// <summary>Task <paramref name="task"/>'s raw output per example [Count]: the logit for a binary task, the value for a regression task.</summary>
    public ReadOnlySpan<float> Outputs(int task) => _outputs[task];

    /// <summary>The experts task <paramref name="task"/>'s gate weights refer to, in order; empty without gates.</summary>
    public IReadOnlyList<string> Experts(int task) => _experts[task];

    /// <summary>
    /// Task <paramref name="task"/>'s gate weights over <see cref="Experts"/> for one example at one level (default the
    /// last, the gate that feeds the task's tower): non-negative, summing to 1.
    /// </summary>
    /// <exception cref="InvalidOperationException">The trunk has no gates.</exception>
    public ReadOnlySpan<float> GateWeights(int task, int example, int level = -1)
    {
        if (Levels == 0)
        {
            throw new InvalidOperationException("a shared-bottom trunk has no gates");
        }

        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)example, (uint)Count, nameof(example));
        var width = _experts[task].Length;
        return _gates[task][level < 0 ? Levels + level : level].AsSpan(example * width, width);
    }

    /// <summary>
    /// Per field (spec order), the gradient × input attribution to task <paramref name="task"/>'s raw output for one
    /// example: do/dα at α = 1 when that field's looked-up embedding rows are scaled by α.
    /// </summary>
    /// <exception cref="InvalidOperationException">Attributions were not asked for.</exception>
    public ReadOnlySpan<float> FieldAttributions(int task, int example)
    {
        if (_attributions is null)
        {
            throw new InvalidOperationException("the explanation was made without attributions");
        }

        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)example, (uint)Count, nameof(example));
        var fields = Spec.Fields.Count;
        return _attributions[task].AsSpan(example * fields, fields);
    }

    /// <summary>
    /// The fields with the largest |attribution| to task <paramref name="task"/> for one example, largest first (ties in
    /// spec order), at most <paramref name="top"/>.
    /// </summary>
    public IReadOnlyList<(string Field, float Attribution)> TopFields(int task, int example, int top)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(top, 1);
        var values = FieldAttributions(task, example);
        var ranked = new List<(string Field, float Attribution)>(values.Length);
        for (var f = 0; f < values.Length; f++)
        {
            ranked.Add((Spec.Fields[f].Name, values[f]));
        }

        // A stable sort keeps spec order among equal magnitudes.
        return [.. ranked.OrderByDescending(r => MathF.Abs(r.Attribution)).Take(top)];
    }
}
