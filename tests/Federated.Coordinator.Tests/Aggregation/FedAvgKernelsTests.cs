using Federated.Coordinator.Aggregation;
using MathNet.Numerics.Random;

namespace Federated.Coordinator.Tests.Aggregation;

/// <summary>The vectorised FedAvg loops equal the scalar formulas bit for bit, tails included.</summary>
public sealed class FedAvgKernelsTests
{
    public static TheoryData<int> Lengths => [0, 1, 3, 7, 8, 15, 16, 17, 31, 33, 1001];

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Accumulate_ThreeFolds_EqualsTheScalarFormulaBitForBit(int length)
    {
        var random = new Xoshiro256StarStar(length, threadSafe: false);
        var sum = new double[length];
        var expected = new double[length];
        foreach (var weight in new[] { 10.0, 7.0, 1.0 / 3 })
        {
            var values = RandomFloats(random, length);

            FedAvgKernels.Accumulate(sum, values, weight);

            for (var i = 0; i < length; i++)
            {
                expected[i] += weight * values[i];
            }
        }

        Assert.Equal(expected.Select(BitConverter.DoubleToInt64Bits), sum.Select(BitConverter.DoubleToInt64Bits));
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Apply_RandomSums_EqualsTheScalarFormulaBitForBit(int length)
    {
        var random = new Xoshiro256StarStar(1000 + length, threadSafe: false);
        var target = RandomFloats(random, length);
        var sum = Enumerable.Range(0, length).Select(_ => (random.NextDouble() - 0.5) * 17).ToArray();
        const double Scale = 0.75 / 17;
        var expected = target.Select((t, i) => (float)(t + (Scale * sum[i]))).ToArray();

        FedAvgKernels.Apply(target, sum, Scale);

        Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), target.Select(BitConverter.SingleToInt32Bits));
    }

    [Fact]
    public void Accumulate_DataOfTheTests_WouldRevealAFusedMultiplyAdd()
    {
        // The bit-for-bit tests above can only catch a fused multiply-add if it changes some result on such data.
        var random = new Xoshiro256StarStar(1001, threadSafe: false);
        var values = RandomFloats(random, 1001);
        var sum = Enumerable.Range(0, values.Length).Select(_ => random.NextDouble()).ToArray();
        const double Weight = 1.0 / 3;

        var differing = values.Where((v, i) => (sum[i] + (Weight * v)) != Math.FusedMultiplyAdd(Weight, v, sum[i])).Count();

        Assert.True(differing > 0, "no value where a fused multiply-add rounds differently");
    }

    [Fact]
    public void Accumulate_LengthsDiffer_ThrowsArgumentException()
    {
        Assert.Throws<ArgumentException>(() => FedAvgKernels.Accumulate(new double[3], new float[4], 1));
    }

    private static float[] RandomFloats(Xoshiro256StarStar random, int length) =>
        [.. Enumerable.Range(0, length).Select(_ => (float)(random.NextDouble() - 0.5))];
}
