using System.Globalization;
using ScottPlot;

namespace Federated.Simulation.Reports;

/// <summary>
/// The y-range of a learning-curve plot: the round-0 figure of an untrained model (an RMSE of 3.4 where the curves that
/// matter lie between 0.9 and 1.0) would flatten every curve, so a round-0 point far outside the later figures is left
/// off the scale and named in the x-axis label instead.
/// </summary>
internal static class CurveScale
{
    /// <summary>
    /// A round-0 value is off scale when it lies further from the later figures' range than that range is wide (it would
    /// take more than half of the plot's height).
    /// </summary>
    private const double OffScaleSpans = 1.0;

    /// <summary>Margin above and below the later figures when round 0 is off scale, as a fraction of their range.</summary>
    private const double Margin = 0.05;

    /// <summary>
    /// Fits the y-axis of <paramref name="plot"/> to the figures of rounds ≥ 1 (curves) and to reference lines when some
    /// curve's round-0 value is off scale; returns the note for the axis label (e.g. <c>round 0 off scale: federated 3.412</c>),
    /// or null when the plot keeps its automatic limits.
    /// </summary>
    public static string? Fit(Plot plot)
    {
        var scatters = plot.GetPlottables<ScottPlot.Plottables.Scatter>().ToList();
        var later = scatters.SelectMany(s => s.Data.GetScatterPoints()).Where(p => p.X >= 1 && double.IsFinite(p.Y)).Select(p => p.Y)
            .Concat(plot.GetPlottables<ScottPlot.Plottables.HorizontalLine>().Select(l => l.Y))
            .ToList();
        if (later.Count == 0)
        {
            return null;
        }

        var (low, high) = (later.Min(), later.Max());
        var span = Math.Max(high - low, Math.Abs(high) * 1e-3);
        var offScale = scatters
            .SelectMany(s => s.Data.GetScatterPoints().Where(p => p.X == 0).Take(1).Select(p => (Label: s.LegendText, Point: p)))
            .Where(s => double.IsFinite(s.Point.Y) && (s.Point.Y > high + (OffScaleSpans * span) || s.Point.Y < low - (OffScaleSpans * span)))
            .ToList();
        if (offScale.Count == 0)
        {
            return null;
        }

        plot.Axes.SetLimitsY(low - (Margin * span), high + (Margin * span));
        return "round 0 off scale: " + string.Join(", ", offScale.Select(s => $"{s.Label} {s.Point.Y.ToString("0.###", CultureInfo.InvariantCulture)}"));
    }
}
