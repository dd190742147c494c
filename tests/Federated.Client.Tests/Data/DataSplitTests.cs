using Federated.Client.Data;

namespace Federated.Client.Tests.Data;

public sealed class DataSplitTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Create_SameSeed_SameSplitAcrossLoads()
    {
        var path = SyntheticData.Write(_dir.Path, seed: 3, users: 20, items: 15, ratingsPerUser: 10);

        var a = DataSplit.Create(SyntheticData.Load(path).Table, new SplitOptions { Seed = 7 });
        var b = DataSplit.Create(SyntheticData.Load(path).Table, new SplitOptions { Seed = 7 });

        Assert.Equal(a.Train, b.Train);
        Assert.Equal(a.Validation, b.Validation);
        Assert.Equal(a.Test, b.Test);
    }

    [Fact]
    public void Create_Random_PartsAreDisjointCompleteAndSized()
    {
        var table = SyntheticData.Load(SyntheticData.Write(_dir.Path, seed: 3, users: 20, items: 15, ratingsPerUser: 10)).Table;

        var split = DataSplit.Create(table, new SplitOptions { Seed = 1, ValidationFraction = 0.2, TestFraction = 0.1 });
        var other = DataSplit.Create(table, new SplitOptions { Seed = 2, ValidationFraction = 0.2, TestFraction = 0.1 });

        Assert.Equal(200, split.Train.Length + split.Validation.Length + split.Test.Length);
        Assert.Equal(40, split.Validation.Length);
        Assert.Equal(20, split.Test.Length);
        Assert.Equal(Enumerable.Range(0, 200), split.Train.Concat(split.Validation).Concat(split.Test).Order());
        Assert.NotEqual(split.Validation, other.Validation);
    }

    [Fact]
    public void Create_ByTime_LatestExamplesAreTest()
    {
        var table = SyntheticData.Load(SyntheticData.Write(_dir.Path, seed: 3, users: 20, items: 15, ratingsPerUser: 10)).Table;

        var split = DataSplit.Create(table, new SplitOptions { Method = SplitMethod.Time, ValidationFraction = 0.1, TestFraction = 0.1 });

        var trainMax = split.Train.Max(table.Time);
        var validationMin = split.Validation.Min(table.Time);
        var validationMax = split.Validation.Max(table.Time);
        var testMin = split.Test.Min(table.Time);
        Assert.True(trainMax <= validationMin);
        Assert.True(validationMax <= testMin);
    }

    [Fact]
    public void Create_ByTimeWithoutTimeColumn_FailsNamingTime()
    {
        var schema = CsvSchema.FromJson("""{ "fields": [ { "name": "user" } ], "labels": [ { "task": "like" } ] }""");
        var path = _dir.Write("d.csv", "user,like\na,1\n");
        var spec = new Federated.Model.Spec.ModelSpec
        {
            Fields = [new Federated.Model.Spec.FieldSpec { Name = "user", Dim = 2, Buckets = 4 }],
            Trunk = new Federated.Model.Spec.TrunkSpec { Hidden = [2] },
            Tasks = [new Federated.Model.Spec.TaskSpec { Name = "like", Tower = [2] }],
        };
        var table = ExampleTable.Load(new CsvExampleSource(path, schema), spec);

        var error = Assert.Throws<DataFormatException>(() => DataSplit.Create(table, new SplitOptions { Method = SplitMethod.Time }));

        Assert.Equal("time", error.Column);
    }

    [Fact]
    public void Create_ByHash_RowsAppendedLaterMoveNoOldRow()
    {
        var path = SyntheticData.Write(_dir.Path, seed: 3, users: 20, items: 15, ratingsPerUser: 10);
        var options = new SplitOptions { Method = SplitMethod.Hash, Seed = 4, ValidationFraction = 0.2, TestFraction = 0.1 };
        var before = DataSplit.Create(SyntheticData.Load(path).Table, options);
        var more = SyntheticData.Write(_dir.Path, seed: 9, users: 10, items: 15, ratingsPerUser: 10, name: "more.csv");
        File.AppendAllLines(path, File.ReadAllLines(more).Skip(1));

        var after = DataSplit.Create(SyntheticData.Load(path).Table, options);

        Assert.Equal(before.Train, after.Train.Where(r => r < 200));
        Assert.Equal(before.Validation, after.Validation.Where(r => r < 200));
        Assert.Equal(before.Test, after.Test.Where(r => r < 200));
        Assert.Equal(Enumerable.Range(0, 300), after.Train.Concat(after.Validation).Concat(after.Test).Order());
        Assert.Contains(after.Test, r => r >= 200);
    }

    [Fact]
    public void Create_ByHash_PartsNearTheFractionsAndDependOnTheSeed()
    {
        var table = SyntheticData.Load(SyntheticData.Write(_dir.Path, seed: 3, users: 100, items: 40, ratingsPerUser: 20)).Table;

        var split = DataSplit.Create(table, new SplitOptions { Method = SplitMethod.Hash, Seed = 1, ValidationFraction = 0.2, TestFraction = 0.1 });
        var other = DataSplit.Create(table, new SplitOptions { Method = SplitMethod.Hash, Seed = 2, ValidationFraction = 0.2, TestFraction = 0.1 });

        // 2000 rows: a binomial share's standard deviation is about 0.009 for 0.2, 0.007 for 0.1.
        Assert.InRange(split.Validation.Length / 2000.0, 0.17, 0.23);
        Assert.InRange(split.Test.Length / 2000.0, 0.075, 0.125);
        Assert.NotEqual(split.Test, other.Test);
    }
}
