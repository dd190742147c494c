using System.Runtime.InteropServices;

namespace Federated.Model.Tests.Optimization;

/// <summary>Float comparisons for optimiser tests.</summary>
internal static class FloatAssert
{
    /// <summary>Each |actual − expected| ≤ tolerance · max(1, |expected|).</summary>
    public static void Close(ReadOnlySpan<double> expected, ReadOnlySpan<float> actual, double tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            var bound = tolerance * Math.Max(1.0, Math.Abs(expected[i]));
            Assert.True(
                Math.Abs(actual[i] - expected[i]) <= bound,
                $"Element {i}: expected {expected[i]:R}, got {actual[i]:R} (bound {bound:G3}).");
        }
    }

    /// <summary>Same bit patterns, element by element.</summary>
    public static void BitIdentical(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        Assert.True(
            MemoryMarshal.AsBytes(expected).SequenceEqual(MemoryMarshal.AsBytes(actual)),
            "Spans differ bitwise.");
    }

}
