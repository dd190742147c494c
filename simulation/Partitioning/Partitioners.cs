using System.Globalization;
using MathNet.Numerics.Random;

namespace Federated.Simulation.Partitioning;

/// <summary>The ways to split a data set among virtual clients. All are deterministic for a given seed.</summary>
public static class Partitioners
{
    /// <summary>IID: a seeded shuffle dealt round-robin, so client sizes differ by at most one.</summary>
    public static DataPartition Iid(int examples, int clients, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(clients, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(examples, clients, nameof(examples));
        var order = Enumerable.Range(0, examples).ToArray();
        Shuffle(order, new Xoshiro256StarStar(seed, threadSafe: false));
        var lists = Enumerable.Range(0, clients).Select(_ => new List<int>()).ToArray();
        for (var i = 0; i < order.Length; i++)
        {
            lists[i % clients].Add(order[i]);
        }

        return Build(string.Create(CultureInfo.InvariantCulture, $"iid(clients={clients}, seed={seed})"), Names(clients), lists);
    }

    /// <summary>
    /// Label- or key-skewed non-IID split (Hsu et al. 2019): for each value of the key, client shares are drawn from
    /// Dirichlet(α, …, α) and that value's examples are divided accordingly. Small α gives each client few key values;
    /// large α approaches IID. Draws are repeated (at most 100 times) until every client has at least one example.
    /// </summary>
    public static DataPartition Dirichlet(int examples, int clients, double alpha, Func<int, string> key, string keyName, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(clients, 1);
        ArgumentNullException.ThrowIfNull(key);
        if (!double.IsFinite(alpha) || alpha <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "the Dirichlet concentration α must be finite and > 0");
        }

        var groups = GroupBy(examples, key);
        var random = new Xoshiro256StarStar(seed, threadSafe: false);
        var concentration = Enumerable.Repeat(alpha, clients).ToArray();
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var lists = Enumerable.Range(0, clients).Select(_ => new List<int>()).ToArray();
            foreach (var (_, members) in groups)
            {
                var indices = members.ToArray();
                Shuffle(indices, random);
                var shares = new double[clients];
                MathNet.Numerics.Distributions.Dirichlet.Sample(random, concentration).CopyTo(shares, 0);
                var start = 0;
                var cumulative = 0.0;
                for (var c = 0; c < clients; c++)
                {
                    cumulative += shares[c];
                    var end = c == clients - 1 ? indices.Length : (int)Math.Round(cumulative * indices.Length);
                    for (var i = start; i < end; i++)
                    {
                        lists[c].Add(indices[i]);
                    }

                    start = Math.Max(start, end);
                }
            }

            if (lists.All(l => l.Count > 0))
            {
                return Build(string.Create(CultureInfo.InvariantCulture, $"dirichlet(alpha={alpha}, key={keyName}, clients={clients}, seed={seed})"), Names(clients), lists);
            }
        }

        throw new InvalidOperationException($"Dirichlet(α={alpha}) left a client empty in 100 draws: use fewer clients or a larger α");
    }

    /// <summary>Natural split: one client per distinct key value (e.g. an institution, a region, a user), ordered by key.</summary>
    public static DataPartition ByKey(int examples, Func<int, string> key, string keyName)
    {
        ArgumentNullException.ThrowIfNull(key);
        var groups = GroupBy(examples, key);
        return Build($"key({keyName}, clients={groups.Count})", [.. groups.Select(g => g.Key)], [.. groups.Select(g => g.Value)]);
    }

    /// <summary>One client per user (the cross-device extreme): a natural split by the user key, described as <c>per-user</c>.</summary>
    public static DataPartition PerUser(int examples, Func<int, string> user)
    {
        var partition = ByKey(examples, user, "user");
        return partition with { Description = string.Create(CultureInfo.InvariantCulture, $"per-user(clients={partition.Count})") };
    }

    private static List<KeyValuePair<string, List<int>>> GroupBy(int examples, Func<int, string> key)
    {
        var groups = new SortedDictionary<string, List<int>>(StringComparer.Ordinal);
        for (var i = 0; i < examples; i++)
        {
            var value = key(i);
            if (!groups.TryGetValue(value, out var list))
            {
                groups[value] = list = [];
            }

            list.Add(i);
        }

        return [.. groups];
    }

    private static DataPartition Build(string description, string[] names, List<int>[] lists)
    {
        var clients = new int[lists.Length][];
        for (var c = 0; c < clients.Length; c++)
        {
            clients[c] = [.. lists[c]];
            Array.Sort(clients[c]);
        }

        return new DataPartition(description, names, clients);
    }

    private static string[] Names(int clients) => [.. Enumerable.Range(0, clients).Select(c => string.Create(CultureInfo.InvariantCulture, $"client-{c}"))];

    private static void Shuffle(int[] values, Xoshiro256StarStar random)
    {
        for (var i = values.Length - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (values[i], values[j]) = (values[j], values[i]);
        }
    }
}
