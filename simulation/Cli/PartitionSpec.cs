using System.Globalization;
using Federated.Simulation.Engine;
using Federated.Simulation.Partitioning;

namespace Federated.Simulation.Cli;

/// <summary>
/// Parses the <c>--partition</c> option: <c>iid</c>, <c>dirichlet:ALPHA:KEY</c>, <c>key:FIELD</c>, <c>per-user</c>, or a
/// name the command maps to a key (e.g. <c>occupation</c> for MovieLens).
/// </summary>
internal static class PartitionSpec
{
    /// <summary>
    /// Checks the option's syntax (kind, α, number of clients) and, when <paramref name="keys"/> is given, that its key is
    /// one of them; called before any data loads, so a typo costs nothing.
    /// </summary>
    /// <param name="text">The option's value.</param>
    /// <param name="clients">Clients of IID and Dirichlet splits.</param>
    /// <param name="keys">The keys the data will have (fields and tasks), or null when they are known only once it loads.</param>
    /// <param name="namedKeys">Extra names the command maps to a key.</param>
    /// <exception cref="ArgumentException">The first problem, naming the option.</exception>
    public static void Check(string text, int clients, IReadOnlyCollection<string>? keys, IReadOnlyCollection<string>? namedKeys = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Split(':');
        string? key = null;
        switch (parts[0])
        {
            case "iid" when parts.Length == 1:
                break;
            case "dirichlet" when parts.Length == 3:
                if (!double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var alpha) || !double.IsFinite(alpha) || alpha <= 0)
                {
                    throw new ArgumentException($"--partition {text}: α '{parts[1]}' is not a finite number > 0");
                }

                key = parts[2];
                break;
            case "key" when parts.Length == 2:
                key = parts[1];
                break;
            case "per-user" when parts.Length == 1:
                break;
            default:
                if (parts.Length == 1 && (namedKeys?.Contains(text) == true || keys?.Contains(text) == true))
                {
                    break;
                }

                throw new ArgumentException($"--partition '{text}': expected iid, dirichlet:ALPHA:KEY, key:FIELD, per-user{(namedKeys is null or { Count: 0 } ? "" : ", " + string.Join(", ", namedKeys))}");
        }

        if (parts[0] is "iid" or "dirichlet" && clients < 1)
        {
            throw new ArgumentException($"--clients {clients}: must be ≥ 1");
        }

        if (key is not null && keys is not null && !keys.Contains(key) && namedKeys?.Contains(key) != true)
        {
            throw new ArgumentException($"--partition {text}: '{key}' is neither a field nor a task of the data (its fields and tasks: {string.Join(", ", keys)})");
        }
    }

    /// <summary>The partition of <paramref name="data"/> that <paramref name="text"/> names.</summary>
    /// <param name="text">The option's value.</param>
    /// <param name="data">The data set.</param>
    /// <param name="clients">Clients of IID and Dirichlet splits.</param>
    /// <param name="seed">Their seed.</param>
    /// <param name="namedKeys">Extra names → (key description, key of an example), e.g. MovieLens's <c>zip-region</c>.</param>
    /// <exception cref="ArgumentException">The text names no partition, or a key the data lacks.</exception>
    public static DataPartition Parse(string text, SimulationData data, int clients, int seed, IReadOnlyDictionary<string, Func<int, string>>? namedKeys = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(data);
        var parts = text.Split(':');
        var n = data.Examples.Count;
        switch (parts[0])
        {
            case "iid" when parts.Length == 1:
                return Partitioners.Iid(n, clients, seed);
            case "dirichlet" when parts.Length == 3:
                if (!double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var alpha))
                {
                    throw new ArgumentException($"--partition {text}: α '{parts[1]}' is not a number");
                }

                return Partitioners.Dirichlet(n, clients, alpha, Key(parts[2]), parts[2], seed);
            case "key" when parts.Length == 2:
                return Partitioners.ByKey(n, Key(parts[1]), parts[1]);
            case "per-user" when parts.Length == 1:
                var user = data.Schema.UserField ?? throw new ArgumentException("--partition per-user: the data names no user field");
                return Partitioners.PerUser(n, data.KeyOf(user));
            default:
                if (parts.Length == 1 && (namedKeys?.ContainsKey(text) == true || data.Schema.Fields.Contains(text)))
                {
                    return Partitioners.ByKey(n, Key(text), text);
                }

                throw new ArgumentException($"--partition '{text}': expected iid, dirichlet:ALPHA:KEY, key:FIELD, per-user{(namedKeys is null ? "" : ", " + string.Join(", ", namedKeys.Keys))}");
        }

        Func<int, string> Key(string name) => namedKeys is not null && namedKeys.TryGetValue(name, out var named) ? named : data.KeyOf(name);
    }
}
