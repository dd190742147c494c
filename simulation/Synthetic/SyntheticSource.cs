using System.Globalization;
using Federated.Client.Data;

namespace Federated.Simulation.Synthetic;

/// <summary>
/// Presents a <see cref="SyntheticFederation"/> through the client's data-source interface, so synthetic and real data
/// reach the model by the same path. Fields: user, item, genres (a bag), institution (for partitioning; not a model
/// field of the default spec); numeric: price; tasks: click, conversion, rating.
/// </summary>
public static class SyntheticSource
{
    /// <summary>The schema of the synthetic examples.</summary>
    public static ExampleSchema Schema { get; } = new(
        Fields: ["user", "item", "genres", "institution"],
        Numeric: ["price"],
        Tasks: ["click", "conversion", "rating"],
        UserField: "user",
        ItemField: "item",
        ItemFeatureFields: ["genres"]);

    /// <summary>An in-memory source over every example of <paramref name="data"/>, in generation order.</summary>
    public static InMemoryExampleSource Create(SyntheticFederation data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var examples = new List<Example>(data.Examples.Count);
        var line = 0L;
        foreach (var e in data.Examples)
        {
            var tokens = new[]
            {
                new[] { e.User.ToString(CultureInfo.InvariantCulture) },
                new[] { e.Item.ToString(CultureInfo.InvariantCulture) },
                e.Genres.Select(g => g.ToString(CultureInfo.InvariantCulture)).ToArray(),
                new[] { e.Institution.ToString(CultureInfo.InvariantCulture) },
            };
            examples.Add(new Example(++line, tokens, [e.Price], [e.Click, e.Conversion, e.Rating]));
        }

        return new InMemoryExampleSource("synthetic", Schema, examples);
    }
}
