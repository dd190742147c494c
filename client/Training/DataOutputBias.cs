using Federated.Client.Data;
using Federated.Model.Parameters;
using Federated.Model.Spec;

namespace Federated.Client.Training;

/// <summary>
/// Output biases that start from the training labels (<see cref="TaskSpec.OutputBiasFromData"/>): the label mean of a
/// regression task, the logit of the base rate of a binary one (<see cref="OutputBiasStatistics.Bias"/>).
/// </summary>
/// <remarks>
/// A node computes the statistics on its own training split only (never validation or test rows). A local head is
/// set from them before the node's first local training; a shared head must start equal on every node, so its value
/// comes from the sum of every node's <see cref="Statistics"/> (counts and sums, no rows): a coordinator merges them in
/// its run's label-statistics round (<see cref="StatisticsOf"/> is what a node sends), and the simulation writes the
/// merge into the run's spec before it creates the run (<see cref="WithSharedBiases"/>).
/// </remarks>
public static class DataOutputBias
{
    /// <summary>Whether any task of <paramref name="spec"/> in <paramref name="scope"/> starts its output bias from data.</summary>
    /// <param name="spec">The model.</param>
    /// <param name="scope">The heads' scope.</param>
    /// <returns>True when at least one such task exists.</returns>
    public static bool AnyIn(ModelSpec spec, ParameterScope scope)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec.Tasks.Any(t => t.OutputBiasFromData && t.Scope == scope);
    }

    /// <summary>Per task, in spec order, the count and sum of the labels of <paramref name="data"/>'s training rows.</summary>
    /// <param name="data">The node's data.</param>
    /// <returns>One statistic per task.</returns>
    public static OutputBiasStatistics[] Statistics(NodeDataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var tasks = data.Spec.Tasks.Count;
        var statistics = new OutputBiasStatistics[tasks];
        foreach (var row in data.Split.Train)
        {
            for (var t = 0; t < tasks; t++)
            {
                var y = data.Table.Label(row, t);
                if (!float.IsNaN(y))
                {
                    statistics[t] += new OutputBiasStatistics(1, y);
                }
            }
        }

        return statistics;
    }

    /// <summary>
    /// What a node sends in a label-statistics round: for each of <paramref name="tasks"/>, in their order, the count and
    /// sum of the labels of <paramref name="data"/>'s training rows (<see cref="Statistics"/>).
    /// </summary>
    /// <param name="data">The node's data.</param>
    /// <param name="tasks">The task names the coordinator asks for.</param>
    /// <returns>One entry per asked task.</returns>
    /// <exception cref="InvalidDataException">A task is not in the data's spec (the node and the coordinator disagree on the model).</exception>
    public static IReadOnlyList<TaskLabelStatistics> StatisticsOf(NodeDataset data, IReadOnlyList<string> tasks)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(tasks);
        var statistics = Statistics(data);
        var result = new TaskLabelStatistics[tasks.Count];
        for (var i = 0; i < tasks.Count; i++)
        {
            var t = data.Spec.TaskIndex(tasks[i]);
            if (t < 0)
            {
                throw new InvalidDataException($"the coordinator asks for the label statistics of task '{tasks[i]}', which the run's model does not have");
            }

            result[i] = new TaskLabelStatistics(tasks[i], statistics[t]);
        }

        return result;
    }

    /// <summary>
    /// Sets the output bias (<c>tower/{task}/out/b</c>) of every task in <paramref name="scope"/> that starts from data,
    /// from <paramref name="statistics"/>; other tensors are not touched.
    /// </summary>
    /// <param name="spec">The model.</param>
    /// <param name="statistics">One statistic per task, in spec order.</param>
    /// <param name="scope">Which heads to set.</param>
    /// <param name="set">Receives the value of a task's bias tensor (its name, the value).</param>
    public static void Apply(ModelSpec spec, IReadOnlyList<OutputBiasStatistics> statistics, ParameterScope scope, Action<string, float> set)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(statistics);
        ArgumentNullException.ThrowIfNull(set);
        for (var t = 0; t < spec.Tasks.Count; t++)
        {
            var task = spec.Tasks[t];
            if (task.OutputBiasFromData && task.Scope == scope)
            {
                set(BiasTensor(task.Name), statistics[t].Bias(task.Kind));
            }
        }
    }

    /// <summary>Sets, in <paramref name="parameters"/>, the from-data output biases of <paramref name="scope"/> from <paramref name="data"/>'s training rows.</summary>
    /// <param name="parameters">Parameters of the data's model (full layout).</param>
    /// <param name="data">The node's data.</param>
    /// <param name="scope">Which heads to set.</param>
    public static void Apply(ParameterSet parameters, NodeDataset data, ParameterScope scope)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(data);
        if (!AnyIn(data.Spec, scope))
        {
            return;
        }

        Apply(data.Spec, Statistics(data), scope, (name, value) => parameters[name][0] = value);
    }

    /// <summary>
    /// The spec with the output bias of every shared task that starts from data set from the merged statistics of all
    /// nodes (<paramref name="merged"/>, the sum of their <see cref="Statistics"/>) and its
    /// <see cref="TaskSpec.OutputBiasFromData"/> cleared, since the value is resolved: a coordinator given this spec runs
    /// no label-statistics round for it. The spec itself when it has no such task.
    /// </summary>
    /// <param name="spec">The run's model.</param>
    /// <param name="merged">The sum of every node's statistics, one per task.</param>
    /// <returns>The spec to create the run with; its layout is the same.</returns>
    /// <remarks>
    /// Local heads keep their flag: each node still sets them from its own labels. A task with no label anywhere gets
    /// <see cref="OutputBiasStatistics.Bias"/>'s 0, as before.
    /// </remarks>
    public static ModelSpec WithSharedBiases(ModelSpec spec, IReadOnlyList<OutputBiasStatistics> merged)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(merged);
        if (!AnyIn(spec, ParameterScope.Shared))
        {
            return spec;
        }

        var tasks = spec.Tasks.Select((task, t) => task.OutputBiasFromData && task.Scope == ParameterScope.Shared
            ? task with { OutputBias = merged[t].Bias(task.Kind), OutputBiasFromData = false }
            : task).ToArray();
        var resolved = spec with { Tasks = tasks };
        resolved.Validate();
        return resolved;
    }

    private static string BiasTensor(string task) => TensorNames.Bias(TensorNames.TowerOutput(task));
}
