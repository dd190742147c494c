using Federated.Client.Data;
using Federated.Model.Parameters;
using Federated.Model.Spec;
using Federated.Simulation.Engine;

namespace Federated.Simulation.Datasets;

/// <summary>Any CSV described by the client's schema format, with a model derived from the schema.</summary>
public static class CsvData
{
    /// <summary>
    /// Reads <paramref name="path"/> and derives a model: every schema field an embedding (dimension
    /// <paramref name="dim"/>, 4096 hash buckets, L2 <paramref name="l2"/>; the user field local, the rest shared), the numeric features, and
    /// one task per label with local heads: binary when every present label is 0 or 1, else regression. The test
    /// marks are a seeded random <paramref name="testFraction"/>.
    /// </summary>
    public static SimulationData Load(string path, string schemaPath, int dim, float l2, double testFraction, int seed)
    {
        var schema = CsvSchema.Load(schemaPath);
        var source = new CsvExampleSource(path, schema);
        var examples = source.Read().ToList();
        var exampleSchema = source.Schema;
        var tasks = new List<TaskSpec>();
        for (var t = 0; t < exampleSchema.Tasks.Count; t++)
        {
            var binary = examples.All(e => float.IsNaN(e.Labels[t]) || e.Labels[t] is 0f or 1f);
            tasks.Add(new TaskSpec { Name = exampleSchema.Tasks[t], Kind = binary ? TaskKind.Binary : TaskKind.Regression, Tower = [16] });
        }

        var spec = new ModelSpec
        {
            Fields =
            [
                .. schema.Fields.Select(f => new FieldSpec
                {
                    Name = f.Name,
                    Dim = dim,
                    Buckets = 4096,
                    MultiValued = f.Split is not null,
                    Scope = f.Name == exampleSchema.UserField ? ParameterScope.Local : ParameterScope.Shared,
                }),
            ],
            Numeric = [.. exampleSchema.Numeric],
            Trunk = new TrunkSpec { Kind = TrunkKind.SharedBottom, Hidden = [32] },
            Tasks = tasks,
            L2 = l2,
        };
        var data = SimulationData.FromSource(new InMemoryExampleSource(source.Name, exampleSchema, examples), CompiledModel.Compile(spec), testFraction, seed);
        return data;
    }
}
