using Federated.Coordinator.Privacy;

namespace Federated.Coordinator.Tests.Privacy;

public sealed class LogSpaceTests
{
    // log(erfc(x)) to 30 digits (mpmath); x = 26 and 30 are past where erfc underflows to the asymptotic series.
    [Theory]
    [InlineData(5.0, -27.2008895455374344224420360075)]
    [InlineData(26.0, -679.831199763194230262387142358)]
    [InlineData(30.0, -903.974117110643878079600243618)]
    public void LogErfc_KnownValues_WithinRelative1e12(double x, double expected)
    {
        var actual = LogSpace.LogErfc(x);

        Assert.True(Math.Abs(actual - expected) <= 1e-12 * Math.Abs(expected), $"log erfc({x}) = {actual:R}, expected {expected:R}");
    }

    [Fact]
    public void AddSubtract_SmallAndLargeExponents_InverseOfEachOther()
    {
        var sum = LogSpace.Add(700, 690);

        Assert.Equal(690, LogSpace.Subtract(sum, 700), 6); // e^690 is 4.5e-5 of the sum: digits of the sum are lost, not of the method
        Assert.Equal(700, LogSpace.Add(700, double.NegativeInfinity));
        Assert.Equal(double.NegativeInfinity, LogSpace.Subtract(3, 3));
        Assert.Throws<ArithmeticException>(() => LogSpace.Subtract(1, 2));
    }
}
