using Federated.Client.Data;
using Federated.Coordinator.Runs;
using Federated.Model.Parameters;

namespace Federated.Client.Tests.ShippedRuns;

/// <summary>
/// The run configs shipped in the repository's <c>runs/</c> folder, from the node's side: the MovieLens config's model is
/// the client's own MovieLens model, and the CSV example's schema and data load into the CSV config's model.
/// </summary>
public sealed class ShippedRunConfigDataTests
{
    private static readonly string Runs = Path.Combine(RepositoryRoot(), "runs");

    [Fact]
    public void MovieLensConfig_Model_EqualsMovieLensModelSpecCreate()
    {
        var shipped = RunConfig.FromJson(File.ReadAllText(Path.Combine(Runs, "movielens-100k.json"))).Spec;
        var expected = MovieLensModelSpec.Create();

        Assert.Equal(expected.ToJson(), shipped.ToJson());
        Assert.Equal(CompiledModel.Compile(expected).Fingerprint, CompiledModel.Compile(shipped).Fingerprint);
    }

    [Fact]
    public void CsvExample_SchemaAndData_LoadIntoTheConfigsModelWithoutBadRows()
    {
        var spec = RunConfig.FromJson(File.ReadAllText(Path.Combine(Runs, "csv-example.json"))).Spec;
        var source = new CsvExampleSource(Path.Combine(Runs, "csv-example.csv"), CsvSchema.Load(Path.Combine(Runs, "csv-example.schema.json")));

        var table = ExampleTable.Load(source, spec);

        Assert.Equal(12, table.Count);
        Assert.Equal(0, table.Report.BadRows);
        Assert.Equal(4, table.Users.Count);
        Assert.True(float.IsNaN(table.Label(8, spec.Tasks.ToList().FindIndex(t => t.Name == "rating"))), "the empty rating cell is a missing label");
    }

    [Fact]
    public void ShippedModelSpecs_EveryFile_LoadsCompilesAndRoundTrips()
    {
        var files = Directory.GetFiles(Path.Combine(Runs, "models"), "*.json").Order(StringComparer.Ordinal).ToArray();

        Assert.Contains(files, f => Path.GetFileName(f) == "movielens-peer-mf.json");
        foreach (var file in files)
        {
            var spec = Federated.Model.Spec.ModelSpec.Load(file);
            var again = Federated.Model.Spec.ModelSpec.FromJson(spec.ToJson());
            Assert.Equal(CompiledModel.Compile(spec).Fingerprint, CompiledModel.Compile(again).Fingerprint);
        }
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Federated.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"no Federated.sln above {AppContext.BaseDirectory}");
    }
}
