using Federated.Model.Metrics;
using Federated.Model.Spec;

namespace Federated.Simulation.Engine;

/// <summary>
/// Which validation figure picks a series' best version: a task and one of its reported metrics (default the first
/// task's headline metric), and which way is better.
/// </summary>
/// <param name="Task">The task's name.</param>
/// <param name="Metric">The metric's name (<c>rmse</c>, <c>mae</c>, <c>auc</c>, <c>logloss</c>).</param>
public sealed record ValidationSelection(string Task, string Metric)
{
    /// <summary>Whether larger values are better (AUC); RMSE, MAE and log-loss are better smaller.</summary>
    public bool HigherIsBetter => Metric is "auc";

    /// <summary>The first task's headline metric (RMSE for regression, AUC for binary).</summary>
    public static ValidationSelection Default(ModelSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var task = spec.Tasks[0];
        return new ValidationSelection(task.Name, MetricRecorder.MetricsOf(task)[0]);
    }

    /// <summary>Parses <c>task:metric</c> against the model's tasks and their reported metrics.</summary>
    /// <exception cref="ArgumentException">Malformed, or the task or metric is not the model's; the message names it.</exception>
    public static ValidationSelection Parse(string text, ModelSpec spec)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(spec);
        var parts = text.Split(':');
        if (parts.Length != 2 || parts[0].Length == 0 || parts[1].Length == 0)
        {
            throw new ArgumentException($"--select-by '{text}': expected TASK:METRIC, e.g. rating:rmse");
        }

        var task = spec.Tasks.FirstOrDefault(t => t.Name == parts[0])
            ?? throw new ArgumentException($"--select-by '{text}': no task '{parts[0]}' (tasks: {string.Join(", ", spec.Tasks.Select(t => t.Name))})");
        var metrics = MetricRecorder.MetricsOf(task);
        if (!metrics.Contains(parts[1]))
        {
            throw new ArgumentException($"--select-by '{text}': task {task.Name} reports {string.Join(", ", metrics)}, not '{parts[1]}'");
        }

        return new ValidationSelection(task.Name, parts[1]);
    }

    /// <summary>The figure of pooled summaries (one per task, in the model's order), or NaN when undefined (no rows).</summary>
    public double ValueOf(IReadOnlyList<TaskMetrics> metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        foreach (var task in metrics)
        {
            if (task.TaskName == Task)
            {
                return task.ToFigures().TryGetValue(Metric, out var value) ? value : double.NaN;
            }
        }

        return double.NaN;
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Task}:{Metric}";
}
