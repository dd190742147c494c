using MathNet.Numerics.Random;

namespace Federated.Model.Tests.Optimization;

/// <summary>Reproducible test inputs from MathNet's <see cref="Xoshiro256StarStar"/>.</summary>
internal static class SeededData
{
    /// <summary><paramref name="length"/> floats uniform in [low, high).</summary>
    public static float[] Uniform(int seed, int length, float low = -1f, float high = 1f)
    {
        var random = new Xoshiro256StarStar(seed);
        var values = new float[length];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = (float)(low + ((high - low) * random.NextDouble()));
        }

        return values;
    }

    /// <summary>A random subset of [0, count) of size <paramref name="size"/>, in random order.</summary>
    public static int[] Subset(Xoshiro256StarStar random, int count, int size)
    {
        var ids = Enumerable.Range(0, count).ToArray();
        for (var i = 0; i < size; i++)
        {
            var j = i + random.Next(count - i);
            (ids[i], ids[j]) = (ids[j], ids[i]);
        }

        return ids[..size];
    }
}
