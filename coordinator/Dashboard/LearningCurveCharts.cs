using System.Globalization;
using Federated.Coordinator.Operations;
using ScottPlot;

namespace Federated.Coordinator.Dashboard;

/// <summary>
/// A run's learning curves as SVG drawn by ScottPlot (the library the simulation's reports use): one chart per task and
/// figure, with the training metrics of each round and the federated evaluation of each version as two lines.
/// </summary>
public sealed class LearningCurveCharts
{
    /// <summary>Chart width in pixels.</summary>
    public const int Width = 560;

    /// <summary>Chart height in pixels.</summary>
    public const int Height = 320;

    private readonly OperatorQueries _queries;

    /// <summary>Creates the charts over the shared queries.</summary>
    public LearningCurveCharts(OperatorQueries queries) => _queries = queries;

    /// <summary>
    /// Whether a figure is charted: the quality measures (AUC, log-loss, RMSE, MAE, HR@K, NDCG@K), not the counts and
    /// label statistics that come with them.
    /// </summary>
    public static bool IsCharted(string figure) =>
        figure is "auc" or "logloss" or "rmse" or "mae" || figure.StartsWith("hr@", StringComparison.Ordinal) || figure.StartsWith("ndcg@", StringComparison.Ordinal);

    /// <summary>The (task, figure) pairs of a run that have a chart, tasks in the spec's order, figures by name.</summary>
    /// <exception cref="Rounds.RejectionException">Unknown run.</exception>
    public IReadOnlyList<(string Task, string Figure)> List(string runId)
    {
        var tasks = _queries.Engine.GetSpec(runId).Tasks.Select(t => t.Name).ToList();
        var charted = _queries.ListFigures(runId).Where(f => IsCharted(f.Figure)).ToHashSet();
        return tasks.SelectMany(task => charted.Where(c => c.Task == task).Select(c => c.Figure).Order(StringComparer.Ordinal).Select(figure => (task, figure))).ToList();
    }

    /// <summary>The SVG of one task's figure over the rounds, or null when the run's spec has no such task or the figure is not charted.</summary>
    /// <exception cref="Rounds.RejectionException">Unknown run.</exception>
    public string? Render(string runId, string task, string figure)
    {
        // Only names the operator configured reach a chart's text: the task must be the spec's.
        if (!IsCharted(figure) || !_queries.Engine.GetSpec(runId).Tasks.Any(t => t.Name == task))
        {
            return null;
        }

        var points = _queries.GetLearningCurves(runId, task).Where(p => p.Figure == figure).ToList();
        var plot = new Plot();
        AddLine(plot, points.Where(p => p.Kind == "train").ToList(), "training");
        AddLine(plot, points.Where(p => p.Kind == "eval").ToList(), "federated evaluation");
        plot.Title(string.Create(CultureInfo.InvariantCulture, $"{task}: {figure}"));
        plot.XLabel("round");
        plot.YLabel(figure);
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        // Beneath the axes rather than over the data.
        plot.ShowLegend(Edge.Bottom);
        return plot.GetSvgXml(Width, Height);
    }

    private static void AddLine(Plot plot, List<MetricPoint> points, string label)
    {
        if (points.Count == 0)
        {
            return;
        }

        var scatter = plot.Add.Scatter(points.Select(p => (double)p.Round).ToArray(), points.Select(p => p.Value).ToArray());
        scatter.LegendText = label;
        scatter.MarkerSize = 6;
    }
}
