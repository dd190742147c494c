using Federated.Model.Spec;

namespace Federated.Model.Parameters;

/// <summary>
/// Lays out the tensors a spec implies, in buffer order, with their roles and tasks; the single place that decides
/// names, order and offsets. Dense tensors come first, embedding tables last.
/// </summary>
internal sealed class LayoutBuilder
{
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private int _offset;

    /// <summary>The tensors added so far, in buffer order.</summary>
    public List<TensorInfo> Tensors { get; } = [];

    /// <summary>The tensor table of <paramref name="spec"/>, which is not validated here (callers validate first).</summary>
    /// <exception cref="ModelSpecException">Two tensors would share a name, or the model exceeds one buffer.</exception>
    public static List<TensorInfo> Build(ModelSpec spec)
    {
        var builder = new LayoutBuilder();
        var trunk = spec.Trunk;
        var hidden = trunk.Hidden;
        var tasks = spec.Tasks;
        switch (trunk.Kind)
        {
            case TrunkKind.SharedBottom:
                builder.Mlp(TensorNames.Bottom, spec.InputWidth, hidden, ParameterScope.Shared, new("trunk", TensorRole.Trunk));
                break;
            case TrunkKind.Mmoe:
                for (var k = 0; k < trunk.Experts; k++)
                {
                    builder.Mlp(TensorNames.MmoeExpert(k), spec.InputWidth, hidden, ParameterScope.Shared, new("trunk.experts", TensorRole.Expert));
                }

                for (var t = 0; t < tasks.Count; t++)
                {
                    builder.Dense(TensorNames.MmoeGate(tasks[t].Name), spec.InputWidth, trunk.Experts, ParameterScope.Shared, TaskOrigin(tasks, t, TensorRole.Gate));
                }

                break;
            case TrunkKind.Ple:
                for (var level = 0; level < trunk.Levels; level++)
                {
                    var input = level == 0 ? spec.InputWidth : trunk.OutputWidth;
                    for (var k = 0; k < trunk.SharedExperts; k++)
                    {
                        builder.Mlp(TensorNames.PleSharedExpert(level, k), input, hidden, ParameterScope.Shared, new("trunk.sharedExperts", TensorRole.Expert));
                    }

                    for (var t = 0; t < tasks.Count; t++)
                    {
                        for (var k = 0; k < trunk.TaskExperts; k++)
                        {
                            builder.Mlp(TensorNames.PleTaskExpert(level, tasks[t].Name, k), input, hidden, ParameterScope.Shared, TaskOrigin(tasks, t, TensorRole.Expert));
                        }
                    }

                    for (var t = 0; t < tasks.Count; t++)
                    {
                        builder.Dense(TensorNames.PleTaskGate(level, tasks[t].Name), input, trunk.SharedExperts + trunk.TaskExperts, ParameterScope.Shared, TaskOrigin(tasks, t, TensorRole.Gate));
                    }

                    if (level < trunk.Levels - 1)
                    {
                        builder.Dense(TensorNames.PleSharedGate(level), input, trunk.SharedExperts + (trunk.TaskExperts * tasks.Count), ParameterScope.Shared, new("trunk.levels", TensorRole.Gate));
                    }
                }

                break;
            default:
                throw new ModelSpecException("trunk.kind", $"unknown trunk kind {trunk.Kind}");
        }

        for (var t = 0; t < tasks.Count; t++)
        {
            var task = tasks[t];
            var origin = TaskOrigin(tasks, t, TensorRole.Tower);
            builder.Mlp(TensorNames.Tower(task.Name), trunk.OutputWidth, task.Tower, task.Scope, origin);
            builder.Dense(TensorNames.TowerOutput(task.Name), task.Tower[^1], 1, task.Scope, origin);
        }

        if (spec.UncertaintyWeighting)
        {
            for (var t = 0; t < tasks.Count; t++)
            {
                builder.Add(TensorNames.Uncertainty(tasks[t].Name), 1, 1, ParameterScope.Local, TensorKind.Bias, TaskOrigin(tasks, t, TensorRole.LossWeight));
            }
        }

        for (var f = 0; f < spec.Fields.Count; f++)
        {
            var field = spec.Fields[f];
            builder.Add(TensorNames.Embedding(field.Name), field.Rows, field.Columns, field.Scope, TensorKind.Embedding, new($"fields[{f}]", TensorRole.Embedding, Field: field.Name));
        }

        return builder.Tensors;
    }

    /// <summary>Appends one tensor at the current end of the buffer.</summary>
    /// <exception cref="ModelSpecException">The name is taken, or the buffer would exceed <see cref="Array.MaxLength"/> floats.</exception>
    public void Add(string name, int rows, int columns, ParameterScope scope, TensorKind kind, TensorOrigin origin)
    {
        if (!_names.Add(name))
        {
            // Validation rejects every spec known to collide; this guards the layout against a rule it missed.
            throw new ModelSpecException(origin.Key, $"declares tensor '{name}', a name another part of the model already uses");
        }

        var length = (long)rows * columns;
        if (_offset + length > Array.MaxLength)
        {
            throw new ModelSpecException(origin.Key, $"tensor '{name}' takes the model past {Array.MaxLength} floats, the most one buffer can hold");
        }

        Tensors.Add(new TensorInfo(name, rows, columns, _offset, scope, kind, origin.Role, origin.Task, origin.Field));
        _offset += (int)length;
    }

    /// <summary>A dense layer: weight [input, output], then bias [output].</summary>
    public void Dense(string prefix, int input, int output, ParameterScope scope, TensorOrigin origin)
    {
        Add(TensorNames.Weight(prefix), input, output, scope, TensorKind.Weight, origin);
        Add(TensorNames.Bias(prefix), 1, output, scope, TensorKind.Bias, origin);
    }

    /// <summary>An MLP: one dense layer per width.</summary>
    public void Mlp(string prefix, int input, IReadOnlyList<int> widths, ParameterScope scope, TensorOrigin origin)
    {
        for (var i = 0; i < widths.Count; i++)
        {
            Dense(TensorNames.Dense(prefix, i), input, widths[i], scope, origin);
            input = widths[i];
        }
    }

    private static TensorOrigin TaskOrigin(IReadOnlyList<TaskSpec> tasks, int index, TensorRole role) =>
        new($"tasks[{index}]", role, tasks[index].Name);
}
