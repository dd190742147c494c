using System.Globalization;
using System.Text;
using Federated.Client.Data;
using Federated.Model.Parameters;
using Federated.Model.Spec;

namespace Federated.Client.Tests;

/// <summary>
/// A small seeded data set with known structure: each user prefers one of four genres, each item has
/// a genre and a quality; rating = 3 + 1.5 (preferred genre) − 0.75 (other) + 0.5·quality + noise.
/// </summary>
public static class SyntheticData
{
    public const string SchemaJson = """
        {
          "fields": [ { "name": "user" }, { "name": "item" }, { "name": "genres", "split": "|" } ],
          "numeric": [ { "name": "age" } ],
          "labels": [ { "task": "rating" }, { "task": "like", "derive": "rating >= 4" } ],
          "time": "ts",
          "userField": "user",
          "itemField": "item",
          "itemFeatureFields": [ "genres" ]
        }
        """;

    public static ModelSpec Spec(int userBuckets = 128) => new()
    {
        Fields =
        [
            new FieldSpec { Name = "user", Dim = 8, Buckets = userBuckets, Scope = ParameterScope.Local },
            new FieldSpec { Name = "item", Dim = 8, Buckets = 64 },
            new FieldSpec { Name = "genres", Dim = 4, Buckets = 16, MultiValued = true },
        ],
        Numeric = ["age"],
        Trunk = new TrunkSpec { Hidden = [16] },
        Tasks =
        [
            new TaskSpec { Name = "rating", Kind = TaskKind.Regression, Tower = [8] },
            new TaskSpec { Name = "like", Kind = TaskKind.Binary, Tower = [8] },
        ],
    };

    public static string Write(string directory, int seed, int users, int items, int ratingsPerUser, string name = "data.csv")
    {
        var random = new Random(seed);
        var quality = new int[items];
        for (var i = 0; i < items; i++)
        {
            quality[i] = random.Next(3) - 1;
        }

        var text = new StringBuilder("user,item,genres,age,rating,ts\n");
        var time = 0;
        for (var u = 0; u < users; u++)
        {
            var preferred = random.Next(4);
            var age = 18 + random.Next(50);
            var chosen = Enumerable.Range(0, items).OrderBy(_ => random.Next()).Take(ratingsPerUser).ToList();
            foreach (var i in chosen)
            {
                var genre = i % 4;
                var genres = i % 5 == 0 ? $"g{genre}|g{(genre + 1) % 4}" : $"g{genre}";
                var noise = (random.NextDouble() - 0.5) * 0.6;
                var value = 3 + (genre == preferred ? 1.5 : -0.75) + (0.5 * quality[i]) + noise;
                var rating = Math.Clamp((int)Math.Round(value), 1, 5);
                time += 1 + random.Next(10);
                text.Append(CultureInfo.InvariantCulture, $"u{u},i{i},{genres},{age},{rating},{time}\n");
            }
        }

        var path = Path.Combine(directory, name);
        File.WriteAllText(path, text.ToString());
        return path;
    }

    public static NodeDataset Load(string path, ModelSpec? spec = null, SplitOptions? split = null) =>
        Load(path, CompiledModel.Compile(spec ?? Spec()), split);

    public static NodeDataset Load(string path, CompiledModel model, SplitOptions? split = null) =>
        NodeDataset.Load(new CsvExampleSource(path, CsvSchema.FromJson(SchemaJson)), model, split ?? new SplitOptions { Seed = 11, ValidationFraction = 0.2, TestFraction = 0.1 });
}
