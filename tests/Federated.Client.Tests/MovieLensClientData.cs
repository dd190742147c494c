using System.Globalization;
using Federated.Client.Data;
using Federated.Model.Spec;

namespace Federated.Client.Tests;

/// <summary>
/// A synthetic one-user client in MovieLens's schema (the size of an ML-100K user: ~100 ratings of 1,682 items),
/// generated in memory from a seed: the shape of a virtual client of the one-client-per-user simulation.
/// </summary>
public static class MovieLensClientData
{
    public static NodeDataset Create(ModelSpec spec, int examples, int seed, string user = "u1")
    {
        var random = new Random(seed);
        var age = (18 + random.Next(50)).ToString(CultureInfo.InvariantCulture);
        var gender = random.Next(2) == 0 ? "M" : "F";
        var occupation = $"occ{random.Next(21)}";
        var rows = new List<Example>(examples);
        for (var i = 0; i < examples; i++)
        {
            var item = random.Next(1682).ToString(CultureInfo.InvariantCulture);
            string[] genres = [$"g{random.Next(19)}", $"g{random.Next(19)}"];
            var rating = 1 + random.Next(5);
            string[][] tokens = [[item], [user], genres, [age], [gender], [occupation]];
            rows.Add(new Example(i + 1, tokens, [], [rating, rating >= 4 ? 1f : 0f], i));
        }

        var schema = new ExampleSchema(MovieLensSource.FieldNames, [], MovieLensSource.TaskNames, "user", "item", ["genres"], HasTime: true);
        return NodeDataset.Load(new InMemoryExampleSource($"ml-{user}", schema, rows), spec, new SplitOptions { Seed = seed, ValidationFraction = 0, TestFraction = 0.2 });
    }
}
