using Federated.Model.Kernels;
using MathNet.Numerics.Random;

namespace Federated.Model.Tests.Kernels;

public sealed class GemmTests
{
    private const int Guard = 37;
    private const float Sentinel = -12345.5f;

    private static readonly (int M, int K, int N)[] Shapes =
    [
        (1, 1, 1), (3, 5, 7), (17, 33, 65), (256, 64, 64), (64, 256, 64), (256, 128, 64), (1, 64, 300),
        (7, 130, 17), (6, 1, 64), (13, 3, 129),
    ];

    private static readonly string[] Paths = [nameof(GemmPath.Vector512), nameof(GemmPath.Vector256), nameof(GemmPath.Vector128), nameof(GemmPath.Scalar)];

    public static TheoryData<string, int, int, int, bool, bool, bool> AllCases()
    {
        var data = new TheoryData<string, int, int, int, bool, bool, bool>();
        foreach (string path in Paths)
        {
            foreach (var (m, k, n) in Shapes)
            {
                foreach (bool transposeA in new[] { false, true })
                {
                    foreach (bool transposeB in new[] { false, true })
                    {
                        data.Add(path, m, k, n, transposeA, transposeB, false);
                        data.Add(path, m, k, n, transposeA, transposeB, true);
                    }
                }
            }
        }

        return data;
    }

    public static TheoryData<string, int, int, int, int, bool, bool> ParallelCases()
    {
        var data = new TheoryData<string, int, int, int, int, bool, bool>();
        foreach (string path in new[] { nameof(GemmPath.Vector512), nameof(GemmPath.Vector256), nameof(GemmPath.Scalar) })
        {
            foreach (var (m, k, n) in new[] { (256, 128, 64), (1, 64, 300), (2, 17, 200), (37, 200, 13) })
            {
                foreach (int threads in new[] { 2, 3, 4 })
                {
                    data.Add(path, m, k, n, threads, false, false);
                    data.Add(path, m, k, n, threads, true, false);
                    data.Add(path, m, k, n, threads, false, true);
                    data.Add(path, m, k, n, threads, true, true);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(AllCases))]
    public void Multiply_ForcedPath_MatchesDoubleReference(string path, int m, int k, int n, bool transposeA, bool transposeB, bool accumulate)
    {
        var random = new Xoshiro256StarStar(HashCode.Combine(m, k, n, transposeA, transposeB, accumulate));
        float[] a = RandomFloats(random, m * k);
        float[] b = RandomFloats(random, k * n);
        float[] c = NewOutput(random, m * n, accumulate);
        float[] initial = (float[])c.Clone();

        Gemm.Multiply(a, b, c.AsSpan(), m, k, n, transposeA, transposeB, accumulate, Enum.Parse<GemmPath>(path));

        AssertMatchesReference(a, b, initial, c, m, k, n, transposeA, transposeB, accumulate);
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void Multiply_PublicOverload_EqualsSelectedPathBitForBit(bool transposeA, bool transposeB)
    {
        const int m = 45, k = 70, n = 90;
        var random = new Xoshiro256StarStar(7);
        float[] a = RandomFloats(random, m * k);
        float[] b = RandomFloats(random, k * n);
        float[] expected = new float[m * n];
        float[] actual = new float[m * n];

        Gemm.Multiply(a, b, expected, m, k, n, transposeA, transposeB, accumulate: false, Gemm.SelectedPath);
        Gemm.Multiply(a, b, actual, m, k, n, transposeA, transposeB);

        Assert.Equal(expected, actual);
    }

    [Theory]
    [MemberData(nameof(ParallelCases))]
    public void MultiplyParallel_AnySplit_EqualsSerialBitForBit(string path, int m, int k, int n, int threads, bool transposeA, bool transposeB)
    {
        var random = new Xoshiro256StarStar(HashCode.Combine(m, k, n, threads));
        float[] a = RandomFloats(random, m * k);
        float[] b = RandomFloats(random, k * n);
        float[] initial = RandomFloats(random, m * n);
        float[] serial = (float[])initial.Clone();
        float[] parallel = (float[])initial.Clone();
        var gemmPath = Enum.Parse<GemmPath>(path);

        Gemm.Multiply(a, b, serial, m, k, n, transposeA, transposeB, accumulate: true, gemmPath);
        Gemm.MultiplyParallel(a, b, parallel, m, k, n, threads, transposeA, transposeB, accumulate: true, gemmPath);

        Assert.Equal(serial, parallel);
    }

    [Fact]
    public void MultiplyParallel_PublicOverload_MatchesDoubleReference()
    {
        const int m = 256, k = 128, n = 64;
        var random = new Xoshiro256StarStar(11);
        float[] a = RandomFloats(random, m * k);
        float[] b = RandomFloats(random, k * n);
        float[] c = NewOutput(random, m * n, accumulate: false);

        Gemm.MultiplyParallel(a, b, c, m, k, n, threads: 2);

        AssertMatchesReference(a, b, new float[m * n], c, m, k, n, transposeA: false, transposeB: false, accumulate: false);
    }

    [Theory]
    [InlineData(false, 0f)]
    [InlineData(true, 3f)]
    public void Multiply_EmptySharedDimension_ClearsOrKeepsC(bool accumulate, float expected)
    {
        float[] c = [3f, 3f, 3f, 3f, 3f, 3f];

        Gemm.Multiply([], [], c, m: 2, k: 0, n: 3, accumulate: accumulate);

        Assert.All(c, value => Assert.Equal(expected, value));
    }

    [Fact]
    public void Multiply_EmptyOutput_WritesNothing()
    {
        float[] c = [Sentinel];

        Gemm.Multiply(new float[4], [], c, m: 4, k: 1, n: 0);
        Gemm.Multiply([], new float[4], c, m: 0, k: 1, n: 4);

        Assert.Equal(Sentinel, c[0]);
    }

    [Theory]
    [InlineData(-1, 1, 1, "m")]
    [InlineData(1, -1, 1, "k")]
    [InlineData(1, 1, -1, "n")]
    public void Multiply_NegativeDimension_ThrowsArgumentOutOfRange(int m, int k, int n, string parameter)
    {
        var exception = Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.Multiply(new float[4], new float[4], new float[4], m, k, n));

        Assert.Equal(parameter, exception.ParamName);
    }

    [Theory]
    [InlineData(5, 6, 4, "a")]
    [InlineData(6, 5, 4, "b")]
    [InlineData(6, 6, 3, "c")]
    public void Multiply_SpanTooShort_ThrowsArgumentExceptionNamingSpan(int aLength, int bLength, int cLength, string parameter)
    {
        // m = 2, k = 3, n = 2: A needs 6, B needs 6, C needs 4.
        var exception = Assert.Throws<ArgumentException>(() => Gemm.Multiply(new float[aLength], new float[bLength], new float[cLength], 2, 3, 2));

        Assert.Equal(parameter, exception.ParamName);
    }

    [Fact]
    public void Multiply_OutputOverlapsInput_ThrowsArgumentException()
    {
        float[] buffer = new float[16];

        var exception = Assert.Throws<ArgumentException>(() => Gemm.Multiply(buffer.AsSpan(0, 4), buffer.AsSpan(8, 4), buffer.AsSpan(2, 4), 2, 2, 2));

        Assert.Equal("c", exception.ParamName);
    }

    [Fact]
    public void MultiplyParallel_ZeroThreads_ThrowsArgumentOutOfRange()
    {
        var exception = Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.MultiplyParallel(new float[4], new float[4], new float[4], 2, 2, 2, threads: 0));

        Assert.Equal("threads", exception.ParamName);
    }

    private static void AssertMatchesReference(
        float[] a, float[] b, float[] initial, float[] actual, int m, int k, int n, bool transposeA, bool transposeB, bool accumulate)
    {
        double tolerance = 1e-4 * Math.Sqrt(Math.Max(k, 1));
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double sum = accumulate ? initial[(i * n) + j] : 0;
                double magnitude = Math.Abs(sum);
                for (int p = 0; p < k; p++)
                {
                    double product = (double)a[transposeA ? (p * m) + i : (i * k) + p] * b[transposeB ? (j * k) + p : (p * n) + j];
                    sum += product;
                    magnitude += Math.Abs(product);
                }

                double error = Math.Abs(actual[(i * n) + j] - sum);
                Assert.True(
                    error <= tolerance * Math.Max(magnitude, 1e-30),
                    $"C[{i},{j}] = {actual[(i * n) + j]} but the double reference is {sum} (error {error}, magnitude {magnitude}).");
            }
        }

        // The span may be longer than m·n; nothing past the product may be touched.
        for (int g = m * n; g < actual.Length; g++)
        {
            Assert.Equal(Sentinel, actual[g]);
        }
    }

    private static float[] NewOutput(Xoshiro256StarStar random, int count, bool accumulate)
    {
        float[] c = new float[count + Guard];
        Array.Fill(c, Sentinel);
        if (accumulate)
        {
            RandomFloats(random, count).CopyTo(c, 0);
        }
        else
        {
            // Whatever C held must not leak into an overwriting product.
            c.AsSpan(0, count).Fill(float.NaN);
        }

        return c;
    }

    private static float[] RandomFloats(Xoshiro256StarStar random, int count)
    {
        float[] values = new float[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = (float)((2 * random.NextDouble()) - 1);
        }

        return values;
    }
}
