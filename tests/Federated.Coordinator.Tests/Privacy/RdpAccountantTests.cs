using Federated.Coordinator.Privacy;

namespace Federated.Coordinator.Tests.Privacy;

/// <summary>
/// The RDP accountant against published figures: Opacus's RDP accountant test (σ = 1.5, q = 0.04, 2,250 steps) and
/// TF Privacy's compute_dp_sgd_privacy tests (MNIST-sized and 100k-sized DP-SGD), plus the closed-form and limit cases.
/// </summary>
public sealed class RdpAccountantTests
{
    private static void AssertRelative(double expected, double actual, double tolerance) =>
        Assert.True(Math.Abs(actual - expected) <= tolerance * Math.Abs(expected), $"expected {expected:R}, got {actual:R} (relative error {Math.Abs(actual - expected) / Math.Abs(expected):E2})");

    [Fact]
    public void GetPrivacySpent_OpacusVector_MatchesPublishedEpsilon()
    {
        var spent = RdpAccountant.Epsilon(sampleRate: 0.04, noiseMultiplier: 1.5, steps: 2250, delta: 1e-5);

        AssertRelative(7.32911117143, spent.Epsilon, 1e-6);
        Assert.NotEqual(Math.Floor(spent.Order), spent.Order); // the optimum is a fractional order: the signed series is exercised
    }

    [Theory]
    [InlineData(1.3, 150.0 / 60000, 6000, 1e-5, 0.7242234026109595, 19.0)]
    [InlineData(1.0, 100.0 / 100000, 30000, 1e-7, 1.4154988495444842, 13.0)]
    public void GetPrivacySpent_TfPrivacyVectors_MatchPublishedEpsilonAndOrder(double sigma, double q, long steps, double delta, double expected, double order)
    {
        var spent = RdpAccountant.Epsilon(q, sigma, steps, delta);

        AssertRelative(expected, spent.Epsilon, 1e-9);
        Assert.Equal(order, spent.Order);
    }

    [Theory]
    [InlineData(2.0, 0.8)]
    [InlineData(7.0, 1.7)]
    [InlineData(2.5, 3.0)]
    public void Compute_FullSampling_IsTheGaussianMechanismsRdp(double order, double sigma)
    {
        Assert.Equal(order / (2 * sigma * sigma), SampledGaussianRdp.Compute(1.0, sigma, order));
    }

    [Fact]
    public void GetPrivacySpent_NoSampling_EpsilonZero()
    {
        Assert.Equal(0, RdpAccountant.Epsilon(0, 1.0, 1000, 1e-5).Epsilon);
    }

    [Fact]
    public void GetPrivacySpent_NoNoise_EpsilonInfinite()
    {
        Assert.Equal(double.PositiveInfinity, RdpAccountant.Epsilon(0.01, 0, 1, 1e-5).Epsilon);
    }

    [Theory]
    [InlineData(3.0, 0.01, 1.1)]
    [InlineData(5.0, 0.2, 0.7)]
    [InlineData(2.0, 0.001, 2.0)]
    public void Compute_FractionalSeriesNextToAnIntegerOrder_AgreesWithTheBinomialSeries(double order, double q, double sigma)
    {
        var integer = SampledGaussianRdp.Compute(q, sigma, order);
        var fractional = SampledGaussianRdp.Compute(q, sigma, order + 1e-9);

        AssertRelative(integer, fractional, 1e-6);
    }

    [Fact]
    public void Epsilon_EachParameterIncreased_MovesTheRightWay()
    {
        const double q = 0.01, sigma = 1.1, delta = 1e-5;
        const long steps = 500;
        var baseline = RdpAccountant.Epsilon(q, sigma, steps, delta).Epsilon;

        Assert.True(RdpAccountant.Epsilon(q, sigma, steps * 2, delta).Epsilon > baseline, "more steps must cost more");
        Assert.True(RdpAccountant.Epsilon(q * 2, sigma, steps, delta).Epsilon > baseline, "a higher sample rate must cost more");
        Assert.True(RdpAccountant.Epsilon(q, sigma * 1.5, steps, delta).Epsilon < baseline, "more noise must cost less");
        Assert.True(RdpAccountant.Epsilon(q, sigma, steps, delta * 10).Epsilon < baseline, "a larger δ must give a smaller ε");
    }

    [Fact]
    public void Compose_StepsOneByOneAndAcrossRuns_EqualsStepsAtOnce()
    {
        var oneByOne = new RdpAccountant();
        for (var i = 0; i < 40; i++)
        {
            oneByOne.Compose(0.05, 1.2);
        }

        var firstRun = new RdpAccountant();
        firstRun.Compose(0.05, 1.2, 25);
        var secondRun = new RdpAccountant();
        secondRun.Compose(0.05, 1.2, 15);
        firstRun.Compose(secondRun);
        var atOnce = new RdpAccountant();
        atOnce.Compose(0.05, 1.2, 40);

        Assert.Equal(40, firstRun.Steps);
        for (var k = 0; k < atOnce.Rdp.Count; k++)
        {
            AssertRelative(atOnce.Rdp[k], oneByOne.Rdp[k], 1e-12);
            AssertRelative(atOnce.Rdp[k], firstRun.Rdp[k], 1e-12);
        }
    }

    [Fact]
    public void Constructor_RestoredFromItsValues_GivesTheSameEpsilon()
    {
        var original = new RdpAccountant();
        original.Compose(0.02, 0.9, 300);

        var restored = new RdpAccountant(original.Orders, original.Rdp, original.Steps);

        Assert.Equal(original.GetPrivacySpent(1e-6), restored.GetPrivacySpent(1e-6));
    }

    [Theory]
    [InlineData(new[] { 1.0, 2.0 })]
    [InlineData(new[] { 2.0, 2.0 })]
    [InlineData(new double[0])]
    public void Constructor_BadOrderGrid_Throws(double[] orders)
    {
        Assert.Throws<ArgumentException>(() => new RdpAccountant(orders));
    }

    [Theory]
    [InlineData(1.0, 0.01, 1000, 1e-5)]
    [InlineData(8.0, 0.005, 10000, 1e-6)]
    [InlineData(0.5, 0.1, 50, 1e-5)]
    public void NoiseMultiplierFor_Target_IsTheSmallestNoiseWithinIt(double target, double q, long steps, double delta)
    {
        var (z, spent) = NoiseCalibration.NoiseMultiplierFor(target, delta, q, steps);

        Assert.True(spent.Epsilon <= target, $"ε {spent.Epsilon} overshoots {target}");
        Assert.Equal(spent, RdpAccountant.Epsilon(q, z, steps, delta));
        Assert.True(RdpAccountant.Epsilon(q, z * (1 - 1e-5), steps, delta).Epsilon > target, "a noticeably smaller noise would still do");
    }

    [Theory]
    [InlineData(1.0, 5.0, 1.005037815259212)]
    [InlineData(0.5, 0.5, 0.5773502691896257)]
    public void UpdateNoiseMultiplier_PublishedVectors_Match(double z, double countNoise, double expected)
    {
        AssertRelative(expected, AdaptiveClippingNoise.UpdateNoiseMultiplier(z, countNoise), 1e-14);
    }

    [Fact]
    public void UpdateNoiseMultiplier_CountNoiseTooSmall_Refused()
    {
        var error = Assert.Throws<ArgumentException>(() => AdaptiveClippingNoise.UpdateNoiseMultiplier(1.0, 0.5));
        Assert.Contains("clipped-count noise above 0.5", error.Message, StringComparison.Ordinal);
    }
}
