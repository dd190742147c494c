using System.Globalization;
using System.Text;
using Federated.Client.Data;
using Federated.Model.Parameters;
using Federated.Model.Spec;
using Federated.Simulation.Engine;

namespace Federated.Simulation.Datasets;

/// <summary>
/// MovieLens 100K on its official folds: fold k trains on <c>uk.base</c> and tests on <c>uk.test</c>, both read through
/// the client's <see cref="MovieLensSource"/> (fields item, user, genres, age, gender, occupation; tasks rating and like).
/// </summary>
public static class MovieLensData
{
    /// <summary>Published and peer figures on ML-100K (all centralised), task → label → metric → value.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyDictionary<string, IReadOnlyDictionary<string, double>>> Anchors { get; } =
        new Dictionary<string, IReadOnlyDictionary<string, IReadOnlyDictionary<string, double>>>(StringComparer.Ordinal)
        {
            ["rating"] = new Dictionary<string, IReadOnlyDictionary<string, double>>(StringComparer.Ordinal)
            {
                ["Surprise SVD (published)"] = new Dictionary<string, double> { ["rmse"] = 0.934, ["mae"] = 0.737 },
                ["Surprise SVD++ (published)"] = new Dictionary<string, double> { ["rmse"] = 0.919, ["mae"] = 0.721 },
                ["PyTorch MF (u1–u5)"] = new Dictionary<string, double> { ["rmse"] = 0.9204, ["mae"] = 0.7207 },
                ["PyTorch multi-task (u1–u5)"] = new Dictionary<string, double> { ["rmse"] = 0.9221, ["mae"] = 0.7241 },
            },
            ["like"] = new Dictionary<string, IReadOnlyDictionary<string, double>>(StringComparer.Ordinal)
            {
                ["PyTorch MF (u1–u5)"] = new Dictionary<string, double> { ["auc"] = 0.7928 },
                ["PyTorch multi-task (u1–u5)"] = new Dictionary<string, double> { ["auc"] = 0.7892 },
            },
        };

    /// <summary>The model of the MovieLens experiment: item ids exact (1682 items), users hashed into 2048 local rows.</summary>
    public static ModelSpec Spec(int dim) => MovieLensModelSpec.Create(new MovieLensSpecOptions { ItemVocabulary = 1683, UserBuckets = 2048, Dim = dim });

    /// <summary>The same model with other trunk widths (null: the default [32, 16]).</summary>
    public static ModelSpec Spec(int dim, IReadOnlyList<int>? hidden) => hidden is null
        ? Spec(dim)
        : MovieLensModelSpec.Create(new MovieLensSpecOptions { ItemVocabulary = 1683, UserBuckets = 2048, Dim = dim, Hidden = hidden });

    /// <summary>Fold <paramref name="fold"/> (1–5) of the directory: its base file as training, its test file as test.</summary>
    /// <param name="directory">The directory of MovieLens 100K.</param>
    /// <param name="fold">The fold, 1–5.</param>
    /// <param name="model">The model (e.g. <see cref="Spec(int)"/> compiled), shared by every fold of a run.</param>
    public static SimulationData Fold(string directory, int fold, CompiledModel model)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(fold, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(fold, 5);
        var train = new MovieLensSource(directory, MovieLensLayout.Ml100K) { RatingsFile = string.Create(CultureInfo.InvariantCulture, $"u{fold}.base") };
        var test = new MovieLensSource(directory, MovieLensLayout.Ml100K) { RatingsFile = string.Create(CultureInfo.InvariantCulture, $"u{fold}.test") };
        var examples = train.Read().ToList();
        var trainCount = examples.Count;
        examples.AddRange(test.Read());
        var isTest = new bool[examples.Count];
        isTest.AsSpan(trainCount).Fill(true);
        return new SimulationData(string.Create(CultureInfo.InvariantCulture, $"MovieLens 100K, fold u{fold}"), train.Schema, model, examples, isTest);
    }

    /// <summary>
    /// Named partition keys: <c>zip-region</c> (first digit of the user's zip code: ten US regions, plus <c>intl</c>
    /// for the 18 non-US codes), read from <c>u.user</c>; the other user attributes are fields of the data.
    /// </summary>
    public static Dictionary<string, Func<int, string>> NamedKeys(string directory, SimulationData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var regions = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(Path.Combine(directory, "u.user"), Encoding.Latin1))
        {
            var cells = line.Split('|');
            if (cells.Length == 5 && cells[4].Length > 0)
            {
                regions[cells[0]] = char.IsAsciiDigit(cells[4][0]) ? "zip-" + cells[4][0] : "zip-intl";
            }
        }

        var user = data.KeyOf("user");
        return new Dictionary<string, Func<int, string>>(StringComparer.Ordinal)
        {
            ["zip-region"] = i => regions.GetValueOrDefault(user(i), "zip-intl"),
        };
    }
}
