using Federated.Model.Parameters;
using Federated.Model.Spec;

namespace Federated.Benchmarks;

/// <summary>
/// The model the <c>aggregate</c> and <c>round</c> benchmarks send around: one shared embedding table of 16 columns
/// holding almost all of the P parameters, a shared-bottom trunk of 16 and one binary task with a tower of 8, all shared.
/// </summary>
internal static class BenchmarkModel
{
    /// <summary>Columns of the embedding table.</summary>
    public const int Dim = 16;

    /// <summary>A spec with about <paramref name="parameters"/> shared parameters (the table has ⌈P / 16⌉ rows).</summary>
    public static ModelSpec Spec(int parameters) => new()
    {
        Fields = [new FieldSpec { Name = "item", Dim = Dim, Buckets = Math.Max(1, (parameters + Dim - 1) / Dim), Scope = ParameterScope.Shared }],
        Trunk = new TrunkSpec { Kind = TrunkKind.SharedBottom, Hidden = [Dim] },
        Tasks = [new TaskSpec { Name = "click", Kind = TaskKind.Binary, Tower = [8], Scope = ParameterScope.Shared }],
    };

    /// <summary>Deterministic small deltas for every shared tensor of <paramref name="layout"/>, dense.</summary>
    public static Dictionary<string, float[]> DenseDelta(ParameterLayout layout, int seed)
    {
        var random = new MathNet.Numerics.Random.Xoshiro256StarStar(seed, threadSafe: false);
        var delta = new Dictionary<string, float[]>(StringComparer.Ordinal);
        foreach (var tensor in layout.InScope(ParameterScope.Shared))
        {
            var values = new float[tensor.Length];
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = (float)((random.NextDouble() - 0.5) * 1e-3);
            }

            delta[tensor.Name] = values;
        }

        return delta;
    }
}
