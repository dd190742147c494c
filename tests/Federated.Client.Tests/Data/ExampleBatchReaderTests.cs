using Federated.Client.Data;
using Federated.Model.Spec;
using Federated.Model.Training;

namespace Federated.Client.Tests.Data;

public sealed class ExampleBatchReaderTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Read_TenRowsInBatchesOfFour_YieldsFourFourTwoAndCountsUnencodable()
    {
        var schema = CsvSchema.FromJson("""{ "fields": [ { "name": "item" }, { "name": "tags", "split": ";" } ], "labels": [ { "task": "click" } ] }""");
        var lines = new List<string> { "item,tags,click" };
        for (var i = 0; i < 11; i++)
        {
            lines.Add(i == 5 ? "x,a,1" : $"{i},a;b,{i % 2}");
        }

        var spec = new ModelSpec
        {
            Fields = [new FieldSpec { Name = "item", Dim = 2, Vocabulary = 20 }, new FieldSpec { Name = "tags", Dim = 2, Buckets = 8, MultiValued = true }],
            Trunk = new TrunkSpec { Hidden = [2] },
            Tasks = [new TaskSpec { Name = "click", Tower = [2] }],
        };
        var reader = new ExampleBatchReader(new CsvExampleSource(_dir.Write("d.csv", string.Join('\n', lines)), schema), spec);
        var sizes = new List<int>();
        var firstIds = new List<int>();

        foreach (var batch in reader.Read(new Batch(spec, 4)))
        {
            sizes.Add(batch.Count);
            firstIds.Add(batch.Ids(0)[0]);
        }

        Assert.Equal([4, 4, 2], sizes);
        Assert.Equal([0, 4, 9], firstIds);
        var bad = Assert.Single(reader.Report.FirstBadRows);
        Assert.Equal(7, bad.LineNumber);
        Assert.Contains("'x' is not an integer id", bad.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void EncodeToken_VocabularyOutOfRange_ThrowsNamingFieldAndRange()
    {
        var field = new FieldSpec { Name = "item", Dim = 2, Vocabulary = 10 };

        var error = Assert.Throws<DataFormatException>(() => ExampleEncoder.EncodeToken(field, "10"));

        Assert.Equal("item", error.Column);
        Assert.Contains("[0, 10)", error.Message, StringComparison.Ordinal);
        Assert.Equal(9, ExampleEncoder.EncodeToken(field, "9"));
        Assert.Throws<DataFormatException>(() => ExampleEncoder.EncodeToken(field, "-1"));
    }

    [Fact]
    public void InMemorySource_LoadedIntoTable_MatchesSchemaByName()
    {
        var schema = new ExampleSchema(["tags", "item"], ["price"], ["click", "extra"], ItemField: "item");
        Example[] examples =
        [
            new(1, [["a", "b"], ["3"]], [2f], [1f, 7f]),
            new(2, [[], ["4"]], [float.NaN], [float.NaN, 7f]),
        ];
        var spec = new ModelSpec
        {
            Fields = [new FieldSpec { Name = "item", Dim = 2, Vocabulary = 5 }, new FieldSpec { Name = "tags", Dim = 2, Buckets = 8, MultiValued = true }],
            Numeric = ["price"],
            Trunk = new TrunkSpec { Hidden = [2] },
            Tasks = [new TaskSpec { Name = "click", Tower = [2] }],
        };

        var table = ExampleTable.Load(new InMemoryExampleSource("generated", schema, examples), spec);

        Assert.Equal(2, table.Count);
        Assert.Equal(["3", "4"], table.Items);
        Assert.Equal(1f, table.Label(0, 0));
        Assert.True(float.IsNaN(table.Label(1, 0)));
        Assert.True(float.IsNaN(table.NumericValue(1, 0)));
        Assert.Throws<ArgumentException>(() => new InMemoryExampleSource("bad", schema, [new Example(1, [["a"]], [1f], [1f, 1f])]));
    }
}
