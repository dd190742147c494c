using System.Security.Cryptography;
using System.Text;
using Federated.Coordinator.Aggregation.Privacy;

namespace Federated.Coordinator.Tests.Privacy;

/// <summary>
/// Poisson sampling of nodes: each eligible node independently with probability q, from the run's keyed (or the
/// system's) AES-CTR stream, never System.Random.
/// </summary>
public sealed class PoissonSamplerTests
{
    private static readonly string[] Thousand = [.. Enumerable.Range(0, 1000).Select(i => $"node-{i:D4}").Order(StringComparer.Ordinal)];

    [Fact]
    public void Sample_RateOne_SelectsEveryEligibleNode()
    {
        var sampler = new PoissonSampler(1, 1, PrivacyNoiseSource.Keyed([1]).SamplingForRun(7));
        Assert.Equal(Thousand, sampler.Sample(Thousand, 1));
    }

    [Fact]
    public void Sample_FewerEligibleThanMinimum_Null()
    {
        var sampler = new PoissonSampler(0.5, 3, PrivacyNoiseSource.Keyed([1]).SamplingForRun(7));
        Assert.Null(sampler.Sample(["a", "b"], 1));
        Assert.NotNull(sampler.Sample(["a", "b", "c"], 1));
    }

    [Fact]
    public void Sample_SameKeyAndRound_SameSampleAndOtherRoundsDiffer()
    {
        var first = new PoissonSampler(0.3, 1, PrivacyNoiseSource.Keyed([1]).SamplingForRun(7));
        var again = new PoissonSampler(0.3, 1, PrivacyNoiseSource.Keyed([1]).SamplingForRun(7));
        var otherKey = new PoissonSampler(0.3, 1, PrivacyNoiseSource.Keyed([2]).SamplingForRun(7));
        Assert.Equal(first.Sample(Thousand, 4), again.Sample(Thousand, 4));
        Assert.NotEqual(first.Sample(Thousand, 4), first.Sample(Thousand, 5));
        Assert.NotEqual(first.Sample(Thousand, 4), otherKey.Sample(Thousand, 4));
    }

    [Fact]
    public void Sample_RunSeededSource_RepeatsPerSeedAndDiffersAcrossSeeds()
    {
        var seven = PrivacyNoiseSource.FromRunSeed.SamplingForRun(7);
        var sampler = new PoissonSampler(0.3, 1, seven);
        Assert.Equal(sampler.Sample(Thousand, 1), new PoissonSampler(0.3, 1, PrivacyNoiseSource.FromRunSeed.SamplingForRun(7)).Sample(Thousand, 1));
        Assert.NotEqual(sampler.Sample(Thousand, 1), new PoissonSampler(0.3, 1, PrivacyNoiseSource.FromRunSeed.SamplingForRun(8)).Sample(Thousand, 1));
    }

    [Fact]
    public void Sample_SystemSource_TwoSamplesOfOneRoundDiffer()
    {
        var sampler = new PoissonSampler(0.5, 1, PrivacyNoiseSource.System.SamplingForRun(7));
        Assert.NotEqual(sampler.Sample(Thousand, 1), sampler.Sample(Thousand, 1));
    }

    [Fact]
    public void SamplingForRun_KeyedSource_IsTheDocumentedHkdfDerivationAndNotTheNoiseKey()
    {
        // Documented: the round's AES key is HKDF-SHA256(ikm = key, no salt, info = "Federated.DP-sampling" ‖ round as int64
        // LE); the noise's is the same with "Federated.DP-noise" ‖ step.
        byte[] key = [1, 2, 3];
        var roundKey = HKDF.DeriveKey(HashAlgorithmName.SHA256, key, 32, [], [.. Encoding.ASCII.GetBytes("Federated.DP-sampling"), 5, 0, 0, 0, 0, 0, 0, 0]);
        var noiseKey = HKDF.DeriveKey(HashAlgorithmName.SHA256, key, 32, [], [.. Encoding.ASCII.GetBytes("Federated.DP-noise"), 5, 0, 0, 0, 0, 0, 0, 0]);

        var actual = new byte[64];
        using (var random = PrivacyNoiseSource.Keyed(key).SamplingForRun(7)(5))
        {
            random.Fill(actual);
        }

        Assert.Equal(Stream(roundKey), actual);
        Assert.NotEqual(Stream(noiseKey), actual);
        Assert.Equal(roundKey, PrivacyNoiseSource.RoundKey(key, Encoding.ASCII.GetBytes("Federated.DP-sampling"), 5));
    }

    [Fact]
    public void RoundKey_Rfc5869TestCase3Material_IsDotNetsHkdf()
    {
        // The primitive the derivation calls, with the derivation's shape (no salt), against RFC 5869 A.3's published OKM.
        var ikm = Convert.FromHexString("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b");
        var okm = HKDF.DeriveKey(HashAlgorithmName.SHA256, ikm, 42, [], []);
        Assert.Equal("8DA4E775A563C18F715F802A063C5A31B8A11F5C5EE1879EC3454E5F3C738D2D9D201395FAA4B61A96C8", Convert.ToHexString(okm));
    }

    [Theory]
    [InlineData(new byte[] { 0, 0, 0, 0, 0, 0, 0, 0 }, 0)]
    [InlineData(new byte[] { 0, 0, 0, 0, 0, 0, 0, 64 }, 0.25)]
    [InlineData(new byte[] { 0, 0, 0, 0, 0, 0, 0, 128 }, 0.5)]
    [InlineData(new byte[] { 255, 255, 255, 255, 255, 255, 255, 255 }, 1 - (1.0 / (1UL << 53)))]
    public void Uniform_TopFiftyThreeBits_KTimesTwoToMinusFiftyThree(byte[] bytes, double expected) =>
        Assert.Equal(expected, PoissonSampler.Uniform(bytes));

    private static byte[] Stream(byte[] key)
    {
        var bytes = new byte[64];
        using var random = Coordinator.Privacy.AesCounterRandom.FromKey(key);
        random.Fill(bytes);
        return bytes;
    }

    [Fact]
    public void Sample_ThousandRoundsOfThousandNodes_InclusionRateAndPairwiseIndependenceMatchQ()
    {
        const double q = 0.1;
        const int rounds = 1000;
        var sampler = new PoissonSampler(q, 1, PrivacyNoiseSource.Keyed([9]).SamplingForRun(1));
        var perNode = new int[Thousand.Length];
        long total = 0;
        long both01 = 0;
        var sizes = new List<int>();
        var index = Thousand.Select((id, i) => (id, i)).ToDictionary(p => p.id, p => p.i, StringComparer.Ordinal);
        for (var round = 1; round <= rounds; round++)
        {
            var sample = sampler.Sample(Thousand, round)!;
            Assert.Equal(sample.Order(StringComparer.Ordinal), sample);
            sizes.Add(sample.Count);
            total += sample.Count;
            var in0 = false;
            var in1 = false;
            foreach (var id in sample)
            {
                var i = index[id];
                perNode[i]++;
                in0 |= i == 0;
                in1 |= i == 1;
            }

            both01 += in0 && in1 ? 1 : 0;
        }

        // 10⁶ coins: the overall rate's standard error is 3·10⁻⁴, so ±0.0015 is five of them.
        Assert.Equal(q, total / (double)(rounds * Thousand.Length), 0.0015);

        // Round sizes are Binomial(1000, 0.1): variance 90 (±10 % for 1000 rounds), so sizes vary as Poisson sampling's do.
        var mean = sizes.Average();
        var variance = sizes.Sum(s => (s - mean) * (s - mean)) / (sizes.Count - 1);
        Assert.InRange(variance, 90 * 0.85, 90 * 1.15);

        // Every node near q (Binomial(1000, 0.1): standard deviation 9.5; six of them either side), and a pair together
        // near q² (10 expected in 1000 rounds).
        Assert.All(perNode, count => Assert.InRange(count, 100 - 57, 100 + 57));
        Assert.InRange(both01, 0, 30);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-0.1)]
    [InlineData(1.5)]
    public void Constructor_RateOutsideZeroOne_Throws(double rate) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new PoissonSampler(rate, 1, PrivacyNoiseSource.Keyed([1]).SamplingForRun(1)));
}
