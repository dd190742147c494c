using Federated.Model.Parameters;
using Federated.Model.Spec;

namespace Federated.Coordinator.Aggregation;

/// <summary>
/// Which task, if any, a tensor belongs to: its tower and output layer, its MMoE gate, its PLE task experts and gates.
/// Only the labels of that task move those tensors, so they are averaged over the nodes that have such labels.
/// </summary>
public sealed class TaskTensorMap
{
    private readonly string?[] _taskOfTensor;

    /// <summary>Builds the map for a spec and its layout.</summary>
    public TaskTensorMap(ModelSpec spec, ParameterLayout layout)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(layout);
        var prefixes = new List<(string Prefix, string Task)>();
        foreach (var task in spec.Tasks)
        {
            prefixes.Add((TensorNames.Tower(task.Name) + "/", task.Name));
            prefixes.Add((TensorNames.MmoeGate(task.Name) + "/", task.Name));
            for (var level = 0; level < Math.Max(1, spec.Trunk.Levels); level++)
            {
                prefixes.Add(($"level{level}/expert/{task.Name}/", task.Name));
                prefixes.Add((TensorNames.PleTaskGate(level, task.Name) + "/", task.Name));
            }
        }

        _taskOfTensor = new string?[layout.Tensors.Count];
        for (var i = 0; i < layout.Tensors.Count; i++)
        {
            foreach (var (prefix, task) in prefixes)
            {
                if (layout.Tensors[i].Name.StartsWith(prefix, StringComparison.Ordinal))
                {
                    _taskOfTensor[i] = task;
                    break;
                }
            }
        }
    }

    /// <summary>The task of the tensor at <paramref name="index"/> in layout order, or null for a trunk or embedding tensor.</summary>
    public string? TaskOf(int index) => _taskOfTensor[index];
}
