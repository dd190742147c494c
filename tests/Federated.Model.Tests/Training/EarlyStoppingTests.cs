using Federated.Model.Training;

namespace Federated.Model.Tests.Training;

public sealed class EarlyStoppingTests
{
    [Fact]
    public void Observe_RmseFallsThenRises_KeepsBestAndStopsAfterPatience()
    {
        var stopping = new EarlyStopping(higherIsBetter: false, patience: 2);
        double[] rmse = [1.10, 0.98, 0.95, 0.97, 0.96, 0.99];
        var stoppedAt = -1;
        for (var round = 1; round <= rmse.Length && stoppedAt < 0; round++)
        {
            stopping.Observe(round, rmse[round - 1]);
            if (stopping.ShouldStop)
            {
                stoppedAt = round;
            }
        }

        Assert.Equal(3, stopping.BestRound);
        Assert.Equal(0.95, stopping.BestValue, 12);
        Assert.Equal(5, stoppedAt);
    }

    [Fact]
    public void Observe_AucWithoutPatience_NeverStopsButKeepsBest()
    {
        var stopping = new EarlyStopping(higherIsBetter: true, patience: null);
        double[] auc = [0.60, 0.70, 0.69, 0.68, 0.67, 0.66, 0.65];
        for (var round = 1; round <= auc.Length; round++)
        {
            stopping.Observe(round, auc[round - 1]);
        }

        Assert.False(stopping.ShouldStop);
        Assert.Equal(2, stopping.BestRound);
        Assert.Equal(7, stopping.LastRound);
    }

    [Fact]
    public void Observe_EqualValue_IsNoImprovement()
    {
        var stopping = new EarlyStopping(higherIsBetter: false, patience: 1);

        Assert.True(stopping.Observe(1, 0.9));
        Assert.False(stopping.Observe(2, 0.9));
        Assert.True(stopping.ShouldStop);
        Assert.Equal(1, stopping.BestRound);
    }

    [Fact]
    public void Observe_OnlyNaN_NoBestAndStopsAfterPatience()
    {
        var stopping = new EarlyStopping(higherIsBetter: false, patience: 2);

        stopping.Observe(1, double.NaN);
        Assert.False(stopping.ShouldStop);
        stopping.Observe(2, double.NaN);

        Assert.True(stopping.ShouldStop);
        Assert.Equal(-1, stopping.BestRound);
        Assert.True(double.IsNaN(stopping.BestValue));
    }

    [Fact]
    public void Constructor_ZeroPatience_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new EarlyStopping(higherIsBetter: false, patience: 0));
}
