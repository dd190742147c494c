using Federated.Simulation.Reports;
using ScottPlot;

namespace Federated.Simulation.Tests.Reports;

public sealed class CurveScaleTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "sim-curves-" + Guid.NewGuid().ToString("N"));

    private static Plot Curves(params (string Label, double[] Values, int FirstRound)[] curves)
    {
        var plot = new Plot();
        foreach (var (label, values, first) in curves)
        {
            var line = plot.Add.Scatter(values.Select((_, i) => (double)(first + i)).ToArray(), values);
            line.LegendText = label;
        }

        return plot;
    }

    [Fact]
    public void Fit_RoundZeroFarAboveLaterFigures_FitsTheLaterRoundsAndNamesRoundZero()
    {
        var plot = Curves(("federated", [3.4, 1.0, 0.95, 0.93], 0), ("centralised", [0.97, 0.94, 0.92], 1));

        var note = CurveScale.Fit(plot);

        Assert.Equal("round 0 off scale: federated 3.4", note);
        var limits = plot.Axes.GetLimits();
        Assert.InRange(limits.Bottom, 0.9, 0.92);
        Assert.InRange(limits.Top, 1.0, 1.01);
    }

    [Fact]
    public void Fit_RoundZeroNearLaterFigures_KeepsAutomaticLimits()
    {
        var plot = Curves(("federated", [0.507, 0.529, 0.60, 0.61], 0));

        Assert.Null(CurveScale.Fit(plot));
    }

    [Fact]
    public void Fit_RoundZeroFarBelowWithReferenceLine_LineCountsAsLaterFigure()
    {
        var plot = Curves(("federated", [0.1, 0.70, 0.72], 0));
        plot.Add.HorizontalLine(0.8).LegendText = "local-only";

        var note = CurveScale.Fit(plot);

        Assert.Equal("round 0 off scale: federated 0.1", note);
        Assert.InRange(plot.Axes.GetLimits().Top, 0.8, 0.81);
    }

    [Fact]
    public void Fit_CurvesWithoutRoundZero_NothingOffScale()
    {
        var plot = Curves(("centralised", [3.0, 0.9, 0.89], 1));

        Assert.Null(CurveScale.Fit(plot));
    }

    [Fact]
    public void SaveCurves_ThreeRounds_TicksOnWholeRoundsAndRoundZeroNoted()
    {
        var plot = Curves(("federated", [3.4, 1.0, 0.95, 0.93], 0));

        var name = ReportWriter.SaveCurves(plot, CreateFolder(), "rating: rmse", "rmse", "rating-rmse");

        var ticks = plot.Axes.Bottom.TickGenerator.Ticks.Where(t => t.IsMajor).Select(t => t.Position).ToList();
        Assert.NotEmpty(ticks);
        Assert.All(ticks, t => Assert.Equal(Math.Round(t), t, 9));
        var svg = File.ReadAllText(Path.Combine(_folder, name));
        Assert.Contains("round 0 off scale: federated 3.4", svg, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    private string CreateFolder()
    {
        Directory.CreateDirectory(_folder);
        return _folder;
    }
}
