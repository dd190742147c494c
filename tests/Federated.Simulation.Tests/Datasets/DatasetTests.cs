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

        var data = CsvData.Load(csv, schema, dim: 4, l2: 0, testFraction: 0.25, seed: 3);
        var again = CsvData.Load(csv, schema, dim: 4, l2: 0, testFraction: 0.25, seed: 3);

        Assert.Equal(TaskKind.Regression, data.Spec.Tasks[0].Kind);
        Assert.Equal(TaskKind.Binary, data.Spec.Tasks[1].Kind);
        Assert.Equal(ParameterScope.Local, data.Spec.Fields[0].Scope);
        Assert.Equal(10, data.IsTest.Count(t => t));
        Assert.Equal(data.IsTest, again.IsTest);
        Assert.Equal(4, PartitionSpec.Parse("dirichlet:0.5:bought", data, clients: 4, seed: 1).Count);
        Assert.Equal(5, PartitionSpec.Parse("key:user", data, clients: 4, seed: 1).Count);
        Assert.Throws<ArgumentException>(() => PartitionSpec.Parse("key:nope", data, clients: 4, seed: 1));
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
