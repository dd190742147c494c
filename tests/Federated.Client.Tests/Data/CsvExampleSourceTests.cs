using Federated.Client.Data;
using Federated.Model.Spec;

namespace Federated.Client.Tests.Data;

public sealed class CsvExampleSourceTests : IDisposable
{
    private const string SchemaJson = """
        {
          "separator": ",",
          "fields": [
            { "name": "user" },
            { "name": "item", "column": "movie" },
            { "name": "genres", "split": "|" }
          ],
          "numeric": [ { "name": "age" } ],
          "labels": [
            { "task": "rating" },
            { "task": "like", "derive": "rating >= 4" }
          ],
          "time": "ts",
          "userField": "user",
          "itemField": "item",
          "itemFeatureFields": [ "genres" ]
        }
        """;

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Read_ValidRows_YieldsTokensNumericAndLabels()
    {
        var path = _dir.Write("data.csv", """
            user,movie,genres,age,rating,ts
            u1,m1,Action|Comedy,30,5,100
            u2,m2,Drama,41.5,3,200
            """);
        var source = new CsvExampleSource(path, CsvSchema.FromJson(SchemaJson));

        var examples = source.Read().ToList();

        Assert.Equal(2, examples.Count);
        Assert.Equal(["u1"], examples[0].Tokens[0]);
        Assert.Equal(["m1"], examples[0].Tokens[1]);
        Assert.Equal(["Action", "Comedy"], examples[0].Tokens[2]);
        Assert.Equal(30f, examples[0].Numeric[0]);
        Assert.Equal([5f, 1f], examples[0].Labels);
        Assert.Equal([3f, 0f], examples[1].Labels);
        Assert.Equal(41.5f, examples[1].Numeric[0]);
        Assert.Equal(200, examples[1].Time);
        Assert.Equal(3, examples[1].LineNumber);
        Assert.Equal(0, source.Report.BadRows);
    }

    [Fact]
    public void Read_EmptyLabelCell_LabelIsMissingForBothTasks()
    {
        var path = _dir.Write("data.csv", "user,movie,genres,age,rating,ts\nu1,m1,,,,100\n");
        var source = new CsvExampleSource(path, CsvSchema.FromJson(SchemaJson));

        var example = Assert.Single(source.Read());

        Assert.True(float.IsNaN(example.Labels[0]));
        Assert.True(float.IsNaN(example.Labels[1]));
        Assert.True(float.IsNaN(example.Numeric[0]));
        Assert.Empty(example.Tokens[2]);
    }

    [Fact]
    public void Read_BadRows_CountedWithLineNumbers()
    {
        var path = _dir.Write("data.csv", """
            user,movie,genres,age,rating,ts
            u1,m1,Action,30,5,100
            u2,m2,Drama,30
            u3,m3,Drama,old,4,300

            u4,m4,Drama,30,five,400
            u5,m5,Drama,30,2,500
            """);
        var source = new CsvExampleSource(path, CsvSchema.FromJson(SchemaJson));

        var examples = source.Read().ToList();

        Assert.Equal(2, examples.Count);
        Assert.Equal(2, source.Report.GoodRows);
        Assert.Equal(3, source.Report.BadRows);
        Assert.Equal([3L, 4L, 6L], source.Report.FirstBadRows.Select(r => r.LineNumber));
        Assert.Contains("expected 6 cells, found 4", source.Report.FirstBadRows[0].Reason, StringComparison.Ordinal);
        Assert.Contains("'age'", source.Report.FirstBadRows[1].Reason, StringComparison.Ordinal);
        Assert.Contains("'rating'", source.Report.FirstBadRows[2].Reason, StringComparison.Ordinal);
        Assert.Contains("data.csv:3:", source.Report.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Read_ManyBadRows_KeepsFirstFiveAndCountsAll()
    {
        var lines = new List<string> { "user,movie,genres,age,rating,ts" };
        for (var i = 0; i < 12; i++)
        {
            lines.Add("broken");
        }

        var source = new CsvExampleSource(_dir.Write("data.csv", string.Join('\n', lines)), CsvSchema.FromJson(SchemaJson));

        Assert.Empty(source.Read());
        Assert.Equal(12, source.Report.BadRows);
        Assert.Equal(DataQualityReport.MaxReported, source.Report.FirstBadRows.Count);
        Assert.Contains("and 7 more", source.Report.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Read_HeaderLacksColumn_FailsNamingTheColumn()
    {
        var path = _dir.Write("data.csv", "user,item,genres,age,rating,ts\nu1,m1,Action,30,5,100\n");
        var source = new CsvExampleSource(path, CsvSchema.FromJson(SchemaJson));

        var error = Assert.Throws<DataFormatException>(() => source.Read().ToList());

        Assert.Equal("movie", error.Column);
        Assert.Contains("column 'movie'", error.Message, StringComparison.Ordinal);
        Assert.Contains("data.csv", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_TsvWithoutHeaderAndQuotedCells_UsesDeclaredColumns()
    {
        var schema = CsvSchema.FromJson("""
            {
              "separator": "\t", "header": false, "columns": ["user", "item", "clicked"],
              "fields": [ { "name": "user" }, { "name": "item" } ],
              "labels": [ { "task": "click", "column": "clicked" } ]
            }
            """);
        var path = _dir.Write("data.tsv", "u1\t\"a \"\"quoted\"\" item\"\t1\nu2\tb\t0\n");

        var examples = new CsvExampleSource(path, schema).Read().ToList();

        Assert.Equal(2, examples.Count);
        Assert.Equal("a \"quoted\" item", examples[0].Tokens[1][0]);
        Assert.Equal(0f, examples[1].Labels[0]);
    }

    [Fact]
    public void FromJson_UnknownKey_FailsNamingTheKey()
    {
        var error = Assert.Throws<DataFormatException>(() => CsvSchema.FromJson("""{ "fields": [ { "name": "a" } ], "labelz": [] }"""));

        Assert.Contains("labelz", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{ "fields": [ { "name": "a" }, { "name": "b" }, { "name": "a", "column": "c" } ] }""", "fields[2].name", "'a' is already fields[0].name")]
    [InlineData("""{ "fields": [ { "name": "a" } ], "numeric": [ { "name": "x" }, { "name": "x" } ] }""", "numeric[1].name", "'x' is already numeric[0].name")]
    [InlineData("""{ "fields": [ { "name": "a" } ], "labels": [ { "task": "like" }, { "task": "like", "derive": "rating >= 4" } ] }""", "labels[1].task", "'like' is already labels[0].task")]
    public void FromJson_RepeatedName_FailsNamingTheSchemasOwnKey(string json, string key, string message)
    {
        var error = Assert.Throws<DataFormatException>(() => CsvSchema.FromJson(json));

        Assert.Equal(key, error.Column);
        Assert.Equal($"schema: {key}: {message}", error.Message);
    }

    [Theory]
    [InlineData("""{ "fields": [ { "name": "user" }, { "name": "item" } ], "userField": "usr" }""", "userField", "'usr'")]
    [InlineData("""{ "fields": [ { "name": "user" }, { "name": "item" } ], "itemField": "book" }""", "itemField", "'book'")]
    [InlineData("""{ "fields": [ { "name": "user" }, { "name": "item" } ], "itemFeatureFields": [ "item", "genre" ] }""", "itemFeatureFields[1]", "'genre'")]
    [InlineData("""{ "fields": [ { "name": "user" }, { "name": "site", "role": "partition" } ], "userField": "site" }""", "userField", "'site'")]
    public void FromJson_RecommendationFieldNotAModelInput_FailsNamingTheKeyAndTheFields(string json, string key, string name)
    {
        var error = Assert.Throws<DataFormatException>(() => CsvSchema.FromJson(json));

        Assert.Equal(key, error.Column);
        Assert.StartsWith($"schema: {key}: {name} is not a field that is a model input (its fields: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromJson_BadDerivedLabel_FailsNamingTheKey()
    {
        var error = Assert.Throws<DataFormatException>(() => CsvSchema.FromJson("""
            { "fields": [ { "name": "a" } ], "labels": [ { "task": "like", "derive": "rating is high" } ] }
            """));

        Assert.Equal("labels[0].derive", error.Column);
    }

    [Fact]
    public void LoadTable_MultiValuedAndNumeric_FillsBatchWithHashedIdsAndStandardisedValues()
    {
        var path = _dir.Write("data.csv", """
            user,movie,genres,age,rating,ts
            u1,m1,Action|Comedy,20,5,100
            u2,m2,Drama,40,,200
            """);
        var spec = new ModelSpec
        {
            Fields =
            [
                new FieldSpec { Name = "user", Dim = 2, Buckets = 50, Scope = ParameterScope.Local },
                new FieldSpec { Name = "item", Dim = 2, Buckets = 50 },
                new FieldSpec { Name = "genres", Dim = 2, Buckets = 20, MultiValued = true },
            ],
            Numeric = ["age"],
            Trunk = new TrunkSpec { Hidden = [4] },
            Tasks = [new TaskSpec { Name = "rating", Kind = TaskKind.Regression, Tower = [2] }, new TaskSpec { Name = "like", Tower = [2] }],
        };
        var data = new NodeDataset(
            ExampleTable.Load(new CsvExampleSource(path, CsvSchema.FromJson(SchemaJson)), spec),
            new DataSplit([0, 1], [], []));
        var batch = new Federated.Model.Training.Batch(spec, 4);

        data.Table.Fill(batch, [0, 1], data.Standardizer);

        Assert.Equal(2, batch.Count);
        Assert.Equal(TokenHasher.Bucket("item", "m2", 50), batch.Ids(1)[1]);
        Assert.Equal([0, 2, 3], batch.BagOffsets(2)[..3].ToArray());
        Assert.Equal(TokenHasher.Bucket("genres", "Comedy", 20), batch.Ids(2)[1]);
        Assert.Equal(-1f, batch.Numeric[0], 1e-6f);
        Assert.Equal(1f, batch.Numeric[1], 1e-6f);
        Assert.True(float.IsNaN(batch.Labels(0)[1]));
        Assert.True(float.IsNaN(batch.Labels(1)[1]));
        Assert.Equal(1f, batch.Labels(1)[0]);
    }

    [Fact]
    public void LoadTable_ModelFieldMissingFromData_FailsNamingTheField()
    {
        var path = _dir.Write("data.csv", "user,movie,genres,age,rating,ts\n");
        var spec = new ModelSpec
        {
            Fields = [new FieldSpec { Name = "country", Dim = 2, Buckets = 8 }],
            Trunk = new TrunkSpec { Hidden = [4] },
            Tasks = [new TaskSpec { Name = "like", Tower = [2] }],
        };

        var error = Assert.Throws<DataFormatException>(() => ExampleTable.Load(new CsvExampleSource(path, CsvSchema.FromJson(SchemaJson)), spec));

        Assert.Equal("country", error.Column);
    }

    [Fact]
    public void Read_ClipThenLog1p_TransformsPresentValuesAndRejectsLog1pOfMinusOne()
    {
        var schema = CsvSchema.FromJson("""
            { "fields": [ { "name": "user" } ], "labels": [ { "task": "y" } ],
              "numeric": [ { "name": "a", "clip": [0, 9], "log1p": true }, { "name": "b", "log1p": true } ] }
            """);
        var path = _dir.Write("data.csv", "user,a,b,y\nu1,-5,0,1\nu2,100,,0\nu3,3,-1,1\n");
        var source = new CsvExampleSource(path, schema);

        var examples = source.Read().ToList();

        Assert.Equal(2, examples.Count);
        Assert.Equal(0f, examples[0].Numeric[0]);
        Assert.Equal((float)Math.Log(10), examples[1].Numeric[0], 5);
        Assert.True(float.IsNaN(examples[1].Numeric[1]));
        Assert.Equal("data.csv:4: column 'b': log1p of '-1' (≤ −1) is undefined", Assert.Single(source.Report.FirstBadRows).ToString());
    }
}
