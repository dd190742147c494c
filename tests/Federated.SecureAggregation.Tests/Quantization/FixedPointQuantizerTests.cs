using Federated.SecureAggregation.Quantization;

namespace Federated.SecureAggregation.Tests.Quantization;

public sealed class FixedPointQuantizerTests
{
    [Fact]
    public void Constructor_ScaleFormula_LeavesSumOfNExtremeUpdatesInsideInt32()
    {
        var quantizer = new FixedPointQuantizer(clipNorm: 2.5, maxSummands: 100);
        // n updates, each all of its norm in one coordinate at the clip (and its tolerance), all the same sign.
        var largest = (float)(2.5 * (1 + FixedPointQuantizer.NormTolerance));
        if (largest > 2.5 * (1 + FixedPointQuantizer.NormTolerance))
        {
            largest = MathF.BitDecrement(largest);
        }

        var extreme = new[] { largest };
        var encoded = new uint[1];
        quantizer.Quantize(extreme, encoded);

        Assert.True(100L * unchecked((int)encoded[0]) <= int.MaxValue);
        var negative = new[] { -extreme[0] };
        quantizer.Quantize(negative, encoded);
        Assert.True(100L * unchecked((int)encoded[0]) >= int.MinValue);
    }

    [Fact]
    public void QuantizeSumDequantize_NUpdates_WithinMaxSumError()
    {
        const int n = 50;
        var quantizer = new FixedPointQuantizer(clipNorm: 1.0, maxSummands: n);
        var random = new Random(5);
        var sum = new uint[64];
        var exact = new double[64];
        var encoded = new uint[64];
        for (var k = 0; k < n; k++)
        {
            var update = Enumerable.Range(0, 64).Select(_ => (float)((random.NextDouble() * 2) - 1)).ToArray();
            var norm = Math.Sqrt(update.Sum(v => (double)v * v));
            update = update.Select(v => (float)(v / norm * 0.999)).ToArray();
            quantizer.Quantize(update, encoded);
            for (var i = 0; i < 64; i++)
            {
                sum[i] = unchecked(sum[i] + encoded[i]);
                exact[i] += update[i];
            }
        }

        var decoded = new float[64];
        quantizer.Dequantize(sum, decoded);

        for (var i = 0; i < 64; i++)
        {
            // The float cast of the decoded sum adds its own half-ulp on top of the fixed-point bound.
            Assert.InRange(Math.Abs(decoded[i] - exact[i]), 0, quantizer.MaxSumError + (Math.Abs(exact[i]) * 1e-7));
        }
    }

    [Fact]
    public void Quantize_NormAboveClip_RefusedNamingTheClip()
    {
        var quantizer = new FixedPointQuantizer(clipNorm: 1.0, maxSummands: 10);

        var error = Assert.Throws<ArgumentException>(() => quantizer.Quantize([0.8f, 0.8f], new uint[2]));
        Assert.Contains("clip norm", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => quantizer.Quantize([float.NaN], new uint[1]));
        Assert.Throws<ArgumentException>(() => quantizer.Quantize([0.1f], new uint[2]));
    }

    [Theory]
    [InlineData(0.0, 10, "clipNorm")]
    [InlineData(double.PositiveInfinity, 10, "clipNorm")]
    [InlineData(1.0, 0, "maxSummands")]
    [InlineData(1.0, 1 << 30, "maxSummands")]
    public void Constructor_BadParameter_ErrorNamesIt(double clipNorm, int maxSummands, string parameter)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new FixedPointQuantizer(clipNorm, maxSummands));

        Assert.Equal(parameter, error.ParamName);
    }
}
