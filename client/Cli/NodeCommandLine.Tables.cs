using System.Globalization;
using Federated.Model.Metrics;
using Spectre.Console;

namespace Federated.Client.Cli;

/// <summary>The per-task metric tables the node's commands print.</summary>
public sealed partial class NodeCommandLine
{
    private static Table MetricsTable(IReadOnlyList<TaskMetrics> metrics, string title)
    {
        var table = new Table().Title(Markup.Escape(title));
        table.AddColumn("task");
        table.AddColumn("kind");
        table.AddColumn(new TableColumn("examples").RightAligned());
        table.AddColumn("metrics");
        foreach (var metric in metrics)
        {
            table.AddRow(
                Markup.Escape(metric.TaskName),
                metric.Kind.ToString().ToLowerInvariant(),
                metric.ToFigures()["count"].ToString("0", CultureInfo.InvariantCulture),
                Markup.Escape(ShownFigures(metric)));
        }

        return table;
    }

    /// <summary>A task's figures as the tables show them, counts and label statistics left out: <c>rmse 0.9642  mae 0.8111</c>.</summary>
    private static string ShownFigures(TaskMetrics metric) =>
        string.Join("  ", metric.ToFigures()
            .Where(f => f.Key is not ("count" or "positives" or "positive_rate" or "label_mean" or "label_std"))
            .Select(f => $"{f.Key} {f.Value.ToString("0.0000", CultureInfo.InvariantCulture)}"));
}
