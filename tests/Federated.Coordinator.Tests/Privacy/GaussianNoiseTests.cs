using Federated.Coordinator.Privacy;
using MathNet.Numerics;

namespace Federated.Coordinator.Tests.Privacy;

public sealed class GaussianNoiseTests
{
    private static GaussianNoise Seeded(byte seed)
    {
        var key = new byte[32];
        key[0] = seed;
        return new GaussianNoise(AesCounterRandom.FromKey(key));
    }

    [Fact]
    public void Fill_ZeroKey_IsAes256CounterModeFromZero()
    {
        using var stream = AesCounterRandom.FromKey(new byte[32]);
        var bytes = new byte[32];

        stream.Fill(bytes);

        // AES-256 of the zero block under the zero key (AESAVS known answer), then of block 1 (as OpenSSL's aes-256-ctr gives).
        Assert.Equal("dc95c078a2408989ad48a21492842087530f8afbc74536b9a963b4f1c4cb738b", Convert.ToHexStringLower(bytes));
    }

    [Fact]
    public void Fill_ReadInPiecesAcrossBatches_SameBytesAsAtOnce()
    {
        var key = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();
        using var whole = AesCounterRandom.FromKey(key);
        using var pieces = AesCounterRandom.FromKey(key);
        var expected = new byte[200_000];
        whole.Fill(expected);

        var actual = new byte[expected.Length];
        for (var start = 0; start < actual.Length; start += 777)
        {
            pieces.Fill(actual.AsSpan(start, Math.Min(777, actual.Length - start)));
        }

        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Fill_MillionDraws_StandardDeviationWithinHalfPercentAndNormal()
    {
        const double sigma = 2.5;
        const int n = 1_000_000;
        using var noise = Seeded(7);
        var draws = new double[n];

        noise.Fill(draws, sigma);

        var mean = draws.Average();
        var sd = Math.Sqrt(draws.Sum(x => (x - mean) * (x - mean)) / (n - 1));
        Assert.InRange(sd, sigma * 0.995, sigma * 1.005);
        Assert.InRange(mean, -5 * sigma / Math.Sqrt(n), 5 * sigma / Math.Sqrt(n));

        // Kolmogorov–Smirnov against N(0, σ²): the 1 % critical value of D for large n is 1.628 / √n.
        Array.Sort(draws);
        var d = 0.0;
        for (var i = 0; i < n; i++)
        {
            var cdf = 0.5 * SpecialFunctions.Erfc(-draws[i] / (sigma * Math.Sqrt(2)));
            d = Math.Max(d, Math.Max(((i + 1.0) / n) - cdf, cdf - ((double)i / n)));
        }

        Assert.True(d < 1.628 / Math.Sqrt(n), $"KS statistic {d:E3} rejects normality");
    }

    [Fact]
    public void Add_SameKey_SameNoiseAddedOnce()
    {
        using var first = Seeded(3);
        using var second = Seeded(3);
        var values = Enumerable.Range(0, 20_000).Select(i => (float)i).ToArray();
        var noise = new double[values.Length];

        first.Add(values, 0.5);
        second.Fill(noise, 0.5);

        for (var i = 0; i < values.Length; i++)
        {
            Assert.Equal((float)(i + noise[i]), values[i]);
        }
    }

    [Fact]
    public void Fill_DifferentKeys_DifferentNoise()
    {
        using var a = Seeded(1);
        using var b = Seeded(2);
        var (x, y) = (new double[64], new double[64]);

        a.Fill(x, 1);
        b.Fill(y, 1);

        Assert.NotEqual(x, y);
    }

    [Fact]
    public void Add_ZeroDeviation_ValuesUnchanged()
    {
        using var noise = Seeded(9);
        var values = new[] { 1.5f, -2f, 0f };

        noise.Add(values, 0);

        Assert.Equal([1.5f, -2f, 0f], values);
    }

    [Theory]
    [InlineData(-1.0)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void Add_BadDeviation_Refused(double sigma)
    {
        using var noise = Seeded(9);
        Assert.Throws<ArgumentOutOfRangeException>(() => noise.Add(new float[3], sigma));
    }
}
