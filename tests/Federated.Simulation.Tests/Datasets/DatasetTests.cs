using Federated.Model.Parameters;
using Federated.Model.Spec;
using Federated.Simulation.Cli;
using Federated.Simulation.Datasets;

namespace Federated.Simulation.Tests.Datasets;

public sealed class DatasetTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("sim-data-").FullName;

    [Fact]
    public void Fold_OfficialSplit_TrainsOnBaseAndTestsOnTest()
    {
        File.WriteAllLines(Path.Combine(_folder, "u.user"), ["1|24|M|technician|85711", "2|53|F|other|V3N4P", "3|23|M|writer|32067"]);
        var flags = string.Join('|', Enumerable.Repeat("0", 18));
        File.WriteAllLines(Path.Combine(_folder, "u.item"), ["1|Toy Story|01-Jan-1995||url|0|" + flags, "2|GoldenEye|01-Jan-1995||url|1|" + flags]);
        File.WriteAllLines(Path.Combine(_folder, "u.data"), ["1\t1\t5\t1", "1\t2\t3\t2", "2\t1\t4\t3", "3\t2\t1\t4"]);
        File.WriteAllLines(Path.Combine(_folder, "u1.base"), ["1\t1\t5\t1", "2\t1\t4\t3", "3\t2\t1\t4"]);
        File.WriteAllLines(Path.Combine(_folder, "u1.test"), ["1\t2\t3\t2"]);

        var data = MovieLensData.Fold(_folder, 1, CompiledModel.Compile(MovieLensData.Spec(8)));
        var regions = MovieLensData.NamedKeys(_folder, data);
        var partition = PartitionSpec.Parse("zip-region", data, clients: 2, seed: 1, regions);

        Assert.Equal([false, false, false, true], data.IsTest);
        Assert.Equal(3f, data.Examples[3].Labels[0]);
        Assert.Equal(["zip-3", "zip-8", "zip-intl"], partition.ClientNames);
        Assert.Equal(3, PartitionSpec.Parse("occupation", data, 2, 1, regions).Count);
        Assert.Equal(3, PartitionSpec.Parse("per-user", data, 2, 1, regions).Count);
    }

    [Fact]
    public void Load_CsvWithSchema_DerivesTaskKindsAndSplitsBySeed()
    {
        var csv = Path.Combine(_folder, "data.csv");
        File.WriteAllLines(csv, ["user,item,score,bought", .. Enumerable.Range(0, 40).Select(i => $"u{i % 5},i{i % 7},{1 + (i % 5)},{i % 2}")]);
        var schema = Path.Combine(_folder, "schema.json");
        File.WriteAllText(schema, """
            { "fields": [ { "name": "user" }, { "name": "item" } ],
              "labels": [ { "task": "score" }, { "task": "bought" } ],
              "userField": "user", "itemField": "item" }
            """);

        var data = CsvData.Load(csv, null, CsvData.LoadSchema(schema), spec: null, dim: 4, l2: 0, testFraction: 0.25, seed: 3).Data;
        var again = CsvData.Load(csv, null, CsvData.LoadSchema(schema), spec: null, dim: 4, l2: 0, testFraction: 0.25, seed: 3).Data;

        Assert.Equal(TaskKind.Regression, data.Spec.Tasks[0].Kind);
        Assert.Equal(TaskKind.Binary, data.Spec.Tasks[1].Kind);
        Assert.Equal(ParameterScope.Local, data.Spec.Fields[0].Scope);
        Assert.Equal(10, data.IsTest.Count(t => t));
        Assert.Equal(data.IsTest, again.IsTest);
        Assert.Equal(4, PartitionSpec.Parse("dirichlet:0.5:bought", data, clients: 4, seed: 1).Count);
        Assert.Equal(5, PartitionSpec.Parse("key:user", data, clients: 4, seed: 1).Count);
        Assert.Throws<ArgumentException>(() => PartitionSpec.Parse("key:nope", data, clients: 4, seed: 1));
    }

    [Fact]
    public void Load_SchemaWithDimsBucketsTransformsAndPartitionRole_DerivesThemAndKeepsTheKeyOutOfTheModel()
    {
        var csv = Path.Combine(_folder, "data.csv");
        File.WriteAllLines(csv, ["user,item,shop,price,bought", .. Enumerable.Range(0, 20).Select(i => $"u{i % 4},i{i % 5},s{i % 3},{i * 10},{i % 2}")]);
        var schema = Path.Combine(_folder, "schema.json");
        File.WriteAllText(schema, """
            { "fields": [ { "name": "user", "dim": 3, "buckets": 32 }, { "name": "item" }, { "name": "shop", "role": "partition" } ],
              "numeric": [ { "name": "price", "clip": [0, 99], "log1p": true } ],
              "labels": [ { "task": "bought" } ], "userField": "user" }
            """);

        var (data, quality) = CsvData.Load(csv, null, CsvData.LoadSchema(schema), spec: null, dim: 5, l2: 0, testFraction: 0.25, seed: 1);

        Assert.Equal(["user", "item"], data.Spec.Fields.Select(f => f.Name));
        Assert.Equal((3, 32), (data.Spec.Fields[0].Dim, data.Spec.Fields[0].Buckets!.Value));
        Assert.Equal((5, CsvData.DefaultBuckets), (data.Spec.Fields[1].Dim, data.Spec.Fields[1].Buckets!.Value));
        Assert.Equal(Math.Log(1 + 50), data.Examples[5].Numeric[0], 5);
        Assert.Equal(Math.Log(1 + 99), data.Examples[19].Numeric[0], 5);
        Assert.Equal(3, PartitionSpec.Parse("key:shop", data, clients: 2, seed: 1).Count);
        Assert.Equal(20, quality[0].GoodRows);
    }

    [Fact]
    public void Load_FixedTestFile_MarksExactlyItsRowsAsTest()
    {
        var train = Path.Combine(_folder, "train.csv");
        var test = Path.Combine(_folder, "test.csv");
        File.WriteAllLines(train, ["user,item,bought", .. Enumerable.Range(0, 12).Select(i => $"u{i % 3},i{i},{i % 2}")]);
        File.WriteAllLines(test, ["user,item,bought", "u0,i1,1", "u1,i2,0", "u2,i3,x"]);
        var schema = Path.Combine(_folder, "schema.json");
        File.WriteAllText(schema, """{ "fields": [ { "name": "user" }, { "name": "item" } ], "labels": [ { "task": "bought" } ] }""");

        var (data, quality) = CsvData.Load(train, test, CsvData.LoadSchema(schema), spec: null, dim: null, l2: 0, testFraction: 0.2, seed: 1);

        Assert.Equal(14, data.Examples.Count);
        Assert.Equal([.. Enumerable.Repeat(false, 12), true, true], data.IsTest);
        Assert.Equal(1, quality[1].BadRows);
        Assert.Equal("test.csv:4: label 'bought': 'x' is not a number", quality[1].FirstBadRows[0].ToString());
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
