namespace Federated.Simulation.Tests.Cli;

/// <summary>
/// The <c>csv</c> command as a researcher meets it: every user error one line with exit code 2 before a row is read,
/// and bad rows counted and named in report.md instead of dropped silently.
/// </summary>
public sealed class CsvCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("sim-csv-").FullName;
    private readonly string _data;
    private readonly string _schema;

    public CsvCommandTests()
    {
        _data = Path.Combine(_folder, "data.csv");
        File.WriteAllLines(_data, ["user,item,shop,price,rating", .. Enumerable.Range(0, 40).Select(i => $"u{i % 6},i{i % 9},s{i % 2},{i},{1 + (i % 5)}")]);
        _schema = Path.Combine(_folder, "schema.json");
        File.WriteAllText(_schema, """
            { "fields": [ { "name": "user" }, { "name": "item" }, { "name": "shop", "role": "partition" } ],
              "numeric": [ { "name": "price" } ], "labels": [ { "task": "rating" }, { "task": "like", "derive": "rating >= 4" } ],
              "userField": "user", "itemField": "item" }
            """);
    }

    private string Report => Path.Combine(_folder, "out", "report.md");

    private (int Code, string Error) Csv(params string[] args) =>
        SimulationEntryPoint.Run(["csv", "--data", _data, "--schema", _schema, "--rounds", "1", "--clients", "2", "--out", Path.Combine(_folder, "out"), .. args]);

    [Theory]
    [InlineData("--optimizer|bogus", "error: --optimizer: Argument 'bogus' not recognized. Must be one of:")]
    [InlineData("--test-fraction|0", "error: --test-fraction 0: must be in (0, 1)")]
    [InlineData("--test-fraction|1", "error: --test-fraction 1: must be in (0, 1)")]
    [InlineData("--partition|shards", "error: --partition 'shards': expected iid, dirichlet:ALPHA:KEY, key:FIELD, per-user")]
    [InlineData("--partition|dirichlet:0:user", "error: --partition dirichlet:0:user: α '0' is not a finite number > 0")]
    [InlineData("--partition|dirichlet:0.5", "error: --partition 'dirichlet:0.5': expected iid")]
    [InlineData("--partition|key:region", "error: --partition key:region: 'region' is neither a field nor a task of the data")]
    [InlineData("--test-data|/nonexistent/test.csv", "error: --test-data /nonexistent/test.csv: no such file")]
    [InlineData("--model|/nonexistent/spec.json", "error: --model /nonexistent/spec.json: ")]
    [InlineData("--dim|0", "error: --dim 0: must be ≥ 1")]
    public void Main_BadCsvOption_OneLineErrorAndExitCode2(string args, string expected)
    {
        var (code, error) = Csv(args.Split('|'));

        AssertOneLineError(code, error, expected);
    }

    [Fact]
    public void Main_MissingDataFile_OneLineNamingIt()
    {
        var (code, error) = SimulationEntryPoint.Run("csv", "--data", "/nonexistent/data.csv", "--schema", _schema);

        AssertOneLineError(code, error, "error: --data /nonexistent/data.csv: no such file");
    }

    [Fact]
    public void Main_TestDataWithTestFraction_Refused()
    {
        var (code, error) = Csv("--test-data", _data, "--test-fraction", "0.3");

        AssertOneLineError(code, error, "error: --test-data and --test-fraction: a fixed test file replaces the random split; give one or the other");
    }

    [Theory]
    [InlineData("""{ "fields": [ { "name": "user", "dim": 0 } ], "labels": [] }""", "fields[0].dim: must be ≥ 1")]
    [InlineData("""{ "fields": [ { "name": "user", "colour": "red" } ] }""", "$.fields[0].colour")]
    [InlineData("""{ "fields": [ { "name": "user" } ], "numeric": [ { "name": "price", "clip": [5, 1] } ] }""", "numeric[0].clip: expected [lo, hi]")]
    [InlineData("""{ "fields": [ { "name": "user", "role": "owner" } ] }""", "fields[0].role: 'owner' is not known")]
    [InlineData("""{ "fields": [ { "name": "shop", "role": "partition" } ] }""", "fields: at least one categorical field that is a model input")]
    public void Main_SchemaThatDoesNotParse_OneLineNamingTheKey(string json, string key)
    {
        var schema = Path.Combine(_folder, "bad-schema.json");
        File.WriteAllText(schema, json);

        var (code, error) = SimulationEntryPoint.Run("csv", "--data", _data, "--schema", schema, "--out", Path.Combine(_folder, "out"));

        AssertOneLineError(code, error, $"error: --schema {schema}: schema: ");
        Assert.Contains(key, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{ "fields": [ { "name": "user", "dim": 4, "buckets": 64 }, { "name": "genre", "dim": 4, "buckets": 64 } ], "trunk": { "hidden": [8] }, "tasks": [ { "name": "rating", "kind": "regression", "tower": [4] } ] }""", "fields[1] 'genre' is not a field of the data (its fields: user, item)")]
    [InlineData("""{ "fields": [ { "name": "shop", "dim": 4, "buckets": 64 } ], "trunk": { "hidden": [8] }, "tasks": [ { "name": "rating", "kind": "regression", "tower": [4] } ] }""", "fields[0] 'shop' is a partition key of the data")]
    [InlineData("""{ "fields": [ { "name": "user", "dim": 4, "buckets": 64 } ], "numeric": [ "age" ], "trunk": { "hidden": [8] }, "tasks": [ { "name": "rating", "kind": "regression", "tower": [4] } ] }""", "numeric[0] 'age' is not a numeric feature of the data (its numeric features: price)")]
    [InlineData("""{ "fields": [ { "name": "user", "dim": 4, "buckets": 64 } ], "trunk": { "hidden": [8] }, "tasks": [ { "name": "click", "tower": [4] } ] }""", "tasks[0] 'click' has no label in the data (its tasks: rating, like)")]
    public void Main_ModelThatDoesNotFitTheData_OneLineNamingTheKey(string json, string expected)
    {
        var spec = Path.Combine(_folder, "spec.json");
        File.WriteAllText(spec, json);

        var (code, error) = Csv("--model", spec);

        AssertOneLineError(code, error, $"error: --model {spec}: {expected}");
    }

    [Fact]
    public void Main_EveryRowBad_OneLineNamingTheFirst()
    {
        File.WriteAllLines(_data, ["user,item,shop,price,rating", "u1,i1,s0,cheap,4"]);

        var (code, error) = Csv();

        AssertOneLineError(code, error, $"error: --data {_data}: no training row could be read; rows rejected: 1 of 1 (data.csv:2: column 'price': 'cheap' is not a number)");
    }

    [Fact]
    public void Main_CsvWithBadRows_CountsAndNamesThemInTheReport()
    {
        File.AppendAllLines(_data, ["u1,i1,s0,cheap,4", "u2,i2,s1,3", "u3,i3,s0,5,"]);

        var (code, error) = Csv("--partition", "key:shop");

        Assert.True(code == 0, error);
        var report = File.ReadAllText(Report);
        Assert.Contains("| rows rejected | 2 of 43 (data.csv:42: column 'price': 'cheap' is not a number; data.csv:43: expected 5 cells, found 4) |", report, StringComparison.Ordinal);
        Assert.Contains("| model | shared-bottom [32]; fields user 16d × 4096 buckets local, item 16d × 4096 buckets shared; numeric price; tasks rating regression tower [16] head local", report, StringComparison.Ordinal);
        Assert.Contains("| partitioner | key(shop, clients=2) |", report, StringComparison.Ordinal);
    }

    [Fact]
    public void Main_MmoeModelFile_TrainsItAndDescribesItInTheReport()
    {
        var spec = Path.Combine(_folder, "mmoe.json");
        File.WriteAllText(spec, """
            { "fields": [ { "name": "item", "dim": 4, "buckets": 64 }, { "name": "user", "dim": 4, "buckets": 64, "scope": "local" } ],
              "numeric": [ "price" ], "trunk": { "kind": "mmoe", "experts": 2, "hidden": [8] },
              "tasks": [ { "name": "rating", "kind": "regression", "tower": [4] }, { "name": "like", "tower": [4] } ] }
            """);

        var (code, error) = Csv("--model", spec);

        Assert.True(code == 0, error);
        var report = File.ReadAllText(Report);
        Assert.Contains("| model | mmoe (2 experts) [8]; fields item 4d × 64 buckets shared, user 4d × 64 buckets local; numeric price; tasks rating regression tower [4] head local, like binary tower [4] head local; L2 0 |", report, StringComparison.Ordinal);
        Assert.Contains($"| model source | {spec} |", report, StringComparison.Ordinal);
    }

    private void AssertOneLineError(int code, string error, string expected)
    {
        Assert.Equal(2, code);
        Assert.StartsWith(expected, error, StringComparison.Ordinal);
        Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.False(File.Exists(Report));
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
