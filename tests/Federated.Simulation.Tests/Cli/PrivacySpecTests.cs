using Federated.Simulation.Cli;

namespace Federated.Simulation.Tests.Cli;

public sealed class PrivacySpecTests
{
    [Fact]
    public void FromFlags_NoPrivacyFlag_PrivacyOffAndFractionUnchanged()
    {
        Assert.Equal((null, null), PrivacySpec.FromFlags(null, null, null, null, null));
        Assert.Equal((null, 0.3), PrivacySpec.FromFlags(null, null, null, null, 0.3));
    }

    [Fact]
    public void FromFlags_FixedClip_MapsEveryFlagAndLeavesSelectionToPoissonSampling()
    {
        var (privacy, fraction) = PrivacySpec.FromFlags(0.8, "0.5", 1e-6, 0.1, null);

        Assert.Null(fraction);
        Assert.NotNull(privacy);
        Assert.Equal(0.8, privacy.NoiseMultiplier);
        Assert.Equal(0.5, privacy.ClipNorm);
        Assert.Null(privacy.Adaptive);
        Assert.Equal(1e-6, privacy.Delta);
        Assert.Equal(0.1, privacy.SampleRate);
    }

    [Fact]
    public void FromFlags_AdaptiveWithoutSampleRate_DefaultsDeltaAndTakesTheFractionAsQ()
    {
        var (privacy, fraction) = PrivacySpec.FromFlags(1, "adaptive", null, null, 0.25);

        Assert.Null(fraction);
        Assert.Equal(0.25, privacy!.SampleRate);
        Assert.Equal(PrivacySpec.DefaultDelta, privacy.Delta);
        Assert.Equal(0.1, privacy.Adaptive!.InitialClip);
        Assert.Null(privacy.ClipNorm);
    }

    [Fact]
    public void FromFlags_SampleRateOne_SelectsEveryClientAsWithoutPrivacy()
    {
        var (privacy, fraction) = PrivacySpec.FromFlags(1, "1", null, null, null);

        Assert.Null(fraction);
        Assert.Equal(1, privacy!.SampleRate);
    }
}
