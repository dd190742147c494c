namespace Federated.Model.Tests.Network;

/// <summary>Central finite differences of a scalar function of a float buffer, compared with an analytic gradient.</summary>
internal static class FiniteDifferences
{
    /// <summary>
    /// For each index i the central difference (f(x + h·eᵢ) − f(x − h·eᵢ)) / 2h must match <paramref name="analytic"/>(i)
    /// within <paramref name="absolute"/> + <paramref name="relative"/>·|numeric| plus the float32 noise floor of f.
    /// </summary>
    /// <remarks>
    /// A ReLU kink within h of x bends the central difference linearly in h; shrinking h walks past it. So an index
    /// passes when the estimate at h, h/2 or h/4 matches. A wrong gradient matches at none of them.
    /// </remarks>
    public static void AssertGradient(float[] x, Func<double> f, IEnumerable<int> indices, Func<int, double> analytic, string what, double step = 1e-3, double absolute = 5e-4, double relative = 2e-2)
    {
        var checkedCount = 0;
        var scale = Math.Abs(f()) + 1;
        foreach (var i in indices)
        {
            var expected = analytic(i);
            var estimates = new List<double>(3);
            var matched = false;
            for (var h = step; h >= step / 4 && !matched; h /= 2)
            {
                var numeric = Central(x, f, i, h);
                estimates.Add(numeric);
                var noise = 2e-7 * scale / h;
                matched = Math.Abs(numeric - expected) <= absolute + noise + (relative * Math.Abs(numeric));
            }

            Assert.True(matched, $"{what}: index {i}: analytic {expected:G6} vs numeric {string.Join(" / ", estimates.Select(e => e.ToString("G6", System.Globalization.CultureInfo.InvariantCulture)))} at h, h/2, h/4");
            checkedCount++;
        }

        Assert.True(checkedCount > 0, $"{what}: no index was checked");
    }

    /// <summary>Up to <paramref name="count"/> distinct indices in [start, start+length), spread deterministically.</summary>
    public static IEnumerable<int> Sample(int start, int length, int count)
    {
        if (length <= count)
        {
            for (var i = 0; i < length; i++)
            {
                yield return start + i;
            }

            yield break;
        }

        var stride = (double)length / count;
        for (var k = 0; k < count; k++)
        {
            yield return start + (int)((k * stride) + (stride / 3));
        }
    }

    private static double Central(float[] x, Func<double> f, int i, double step)
    {
        var original = x[i];
        var up = original + (float)step;
        var down = original - (float)step;
        x[i] = up;
        var plus = f();
        x[i] = down;
        var minus = f();
        x[i] = original;
        return (plus - minus) / ((double)up - down);
    }
}
