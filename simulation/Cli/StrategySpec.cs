using System.Globalization;

namespace Federated.Simulation.Cli;

/// <summary>
/// A strategy as <c>--strategy</c> names it: <c>NAME[:key=value,...]</c>, e.g. <c>fedavg:serverLearningRate=0.5</c>.
/// Only the syntax is checked here; whether the name and keys exist is the run config's validation, so every strategy
/// the coordinator registers works without a change here.
/// </summary>
/// <param name="Name">The strategy's name.</param>
/// <param name="Parameters">Its parameters, in the order given (none: the strategy's defaults).</param>
internal sealed record StrategySpec(string Name, IReadOnlyDictionary<string, double> Parameters)
{
    /// <summary>Parses one <c>NAME[:key=value,...]</c>.</summary>
    /// <exception cref="ArgumentException">Empty name, a parameter without '=', a value that is not a number, a key given twice.</exception>
    public static StrategySpec Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        var name = (colon < 0 ? text : text[..colon]).Trim();
        if (name.Length == 0 || name.Contains('='))
        {
            throw new ArgumentException($"--strategy '{text}': expected NAME[:key=value,...]");
        }

        var parameters = new Dictionary<string, double>(StringComparer.Ordinal);
        if (colon >= 0)
        {
            foreach (var pair in text[(colon + 1)..].Split(','))
            {
                var equals = pair.IndexOf('=', StringComparison.Ordinal);
                var key = equals < 0 ? "" : pair[..equals].Trim();
                if (key.Length == 0)
                {
                    throw new ArgumentException($"--strategy '{text}': '{pair}' is not key=value");
                }

                if (!double.TryParse(pair[(equals + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
                {
                    throw new ArgumentException($"--strategy '{text}': the value of {key}, '{pair[(equals + 1)..]}', is not a number");
                }

                if (!parameters.TryAdd(key, value))
                {
                    throw new ArgumentException($"--strategy '{text}': {key} is given twice");
                }
            }
        }

        return new StrategySpec(name, parameters);
    }

    /// <summary>
    /// Parses a <c>--compare-strategies</c> list: strategies separated by commas, each <c>NAME[:key=value,...]</c>; a
    /// comma-separated piece holding '=' but no ':' is one more parameter of the strategy before it
    /// (<c>median,krum:f=2,m=3</c> is median and krum with f = 2, m = 3).
    /// </summary>
    /// <exception cref="ArgumentException">An empty list, or a strategy <see cref="Parse"/> refuses.</exception>
    public static IReadOnlyList<StrategySpec> ParseList(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var items = new List<string>();
        foreach (var piece in text.Split(','))
        {
            if (items.Count > 0 && piece.Contains('=') && !piece.Contains(':'))
            {
                items[^1] += "," + piece;
            }
            else
            {
                items.Add(piece);
            }
        }

        var strategies = items.Select(Parse).ToList();
        return strategies.Count > 0 ? strategies : throw new ArgumentException("--compare-strategies: no strategy given");
    }

    /// <summary>The text it parses from, e.g. <c>trimmed-mean:beta=0.2</c>.</summary>
    public override string ToString() => Parameters.Count == 0
        ? Name
        : Name + ":" + string.Join(",", Parameters.Select(p => p.Key + "=" + p.Value.ToString(CultureInfo.InvariantCulture)));
}
