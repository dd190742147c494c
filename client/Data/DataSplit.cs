namespace Federated.Client.Data;

/// <summary>Row indices of the three parts of a node's data, each ascending.</summary>
/// <param name="Train">Training rows.</param>
/// <param name="Validation">Validation rows.</param>
/// <param name="Test">Test rows.</param>
public sealed record DataSplit(int[] Train, int[] Validation, int[] Test)
{
    /// <summary>Splits rows 0..count−1 deterministically.</summary>
    /// <param name="table">The examples (time keys are read for a split by time).</param>
    /// <param name="options">Method, seed and fractions.</param>
    /// <returns>The split; the same for the same data and options, in any process.</returns>
    /// <exception cref="DataFormatException">A split by time over data without time keys.</exception>
    public static DataSplit Create(ExampleTable table, SplitOptions options)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var count = table.Count;
        if (options.Method == SplitMethod.Hash)
        {
            return ByHash(table, options);
        }

        var order = new int[count];
        for (var i = 0; i < count; i++)
        {
            order[i] = i;
        }

        if (options.Method == SplitMethod.Time)
        {
            if (!table.HasTime)
            {
                throw new DataFormatException("a split by time needs a time column, but the data has none (schema key 'time')", "time");
            }

            // Ties keep file order, so the split is total and deterministic.
            Array.Sort(order, (a, b) => table.Time(a).CompareTo(table.Time(b)) is var c && c != 0 ? c : a.CompareTo(b));
        }
        else
        {
            var random = new MathNet.Numerics.Random.Xoshiro256StarStar(options.Seed, threadSafe: false);
            for (var i = count - 1; i > 0; i--)
            {
                var j = random.Next(i + 1);
                (order[i], order[j]) = (order[j], order[i]);
            }
        }

        var test = (int)Math.Round(count * options.TestFraction);
        var validation = (int)Math.Round(count * options.ValidationFraction);
        var train = count - test - validation;
        int[] Part(int start, int length)
        {
            var part = order.AsSpan(start, length).ToArray();
            Array.Sort(part);
            return part;
        }

        return new DataSplit(Part(0, train), Part(train, validation), Part(train + validation, test));
    }

    /// <summary>
    /// Each row by u = (its content hash mixed with the seed)/2⁶⁴ ∈ [0, 1): test when u &lt; test fraction, validation when
    /// u &lt; test + validation fraction, else train. Independent of every other row, so appending rows moves none.
    /// </summary>
    private static DataSplit ByHash(ExampleTable table, SplitOptions options)
    {
        var train = new List<int>();
        var validation = new List<int>();
        var test = new List<int>();
        var seed = TokenHasher.Mix64(unchecked((ulong)options.Seed + 0x9E3779B97F4A7C15UL));
        for (var row = 0; row < table.Count; row++)
        {
            // The top 53 bits as a double in [0, 1): exact, and every bit of the mixed hash has taken part.
            var u = (TokenHasher.Mix64(table.ContentHash(row) ^ seed) >> 11) * (1.0 / (1UL << 53));
            (u < options.TestFraction ? test : u < options.TestFraction + options.ValidationFraction ? validation : train).Add(row);
        }

        return new DataSplit([.. train], [.. validation], [.. test]);
    }
}
