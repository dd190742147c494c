using Federated.Model.Spec;
using MathNet.Numerics.Distributions;
using MathNet.Numerics.Random;

namespace Federated.Simulation.Synthetic;

/// <summary>
/// A synthetic multi-task federation with known structure: items shared by every institution, users private to
/// one institution, and three correlated tasks generated from latent factors.
/// </summary>
/// <remarks>
/// Every user u and item i has a latent vector in R^<see cref="LatentDim"/>; an item also has a popularity bias and a
/// price. Institution k shifts its users' latent mean (its taste) and its base click rate (its skew), and has its own
/// size. The affinity is a = u·v_i + bias_i + skew_k. Then click ~ Bernoulli(σ(a − 0.5)); conversion = click ·
/// Bernoulli(σ(0.8a − 0.6·price − 0.5)) (so p(conversion) = p(click)·p(conversion | click), the ESMM structure); and a
/// clicked item gets rating = clamp(3 + 0.8a + N(0, 0.5²), 1, 5), a non-clicked one no rating.
/// </remarks>
public sealed class SyntheticFederation
{
    /// <summary>Dimension of the hidden user and item factors.</summary>
    public const int LatentDim = 4;

    /// <summary>Number of genres; each item has one to three.</summary>
    public const int GenreCount = 20;

    private SyntheticFederation(IReadOnlyList<SyntheticExample> examples, int institutions, int users, int items)
    {
        Examples = examples;
        Institutions = institutions;
        Users = users;
        Items = items;
    }

    /// <summary>All examples, grouped by institution in generation order.</summary>
    public IReadOnlyList<SyntheticExample> Examples { get; }

    /// <summary>Number of institutions.</summary>
    public int Institutions { get; }

    /// <summary>Total users over all institutions (user ids are global and dense).</summary>
    public int Users { get; }

    /// <summary>Number of items (shared by all institutions).</summary>
    public int Items { get; }

    /// <summary>
    /// Generates a federation of <paramref name="institutions"/> institutions of different sizes (30 to 240 users with
    /// 20 to 60 interactions each, drawn per institution) over <paramref name="items"/> items, deterministically from
    /// <paramref name="seed"/>.
    /// </summary>
    public static SyntheticFederation Generate(int institutions = 10, int items = 400, int seed = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(institutions, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(items, 2);
        var random = new Xoshiro256StarStar(seed, threadSafe: false);
        var itemFactors = new double[items][];
        var itemBias = new double[items];
        var itemPrice = new float[items];
        var itemGenres = new int[items][];
        var popularity = new double[items];
        for (var i = 0; i < items; i++)
        {
            itemFactors[i] = Vector(random, 0, 0.7);
            itemBias[i] = Normal.Sample(random, 0, 0.3);
            itemPrice[i] = (float)Normal.Sample(random, 0, 1);
            var genres = 1 + random.Next(3);
            itemGenres[i] = [.. Enumerable.Range(0, genres).Select(_ => random.Next(GenreCount)).Distinct().Order()];
            popularity[i] = 1.0 / Math.Pow(i + 1, 0.8);
        }

        var popularityTotal = popularity.Sum();
        var cumulative = new double[items];
        var running = 0.0;
        for (var i = 0; i < items; i++)
        {
            running += popularity[i] / popularityTotal;
            cumulative[i] = running;
        }

        var examples = new List<SyntheticExample>();
        var nextUser = 0;
        for (var k = 0; k < institutions; k++)
        {
            var taste = Vector(random, 0, 0.4);
            var skew = Normal.Sample(random, 0, 0.4);
            var users = 30 + random.Next(211);
            for (var u = 0; u < users; u++)
            {
                var user = nextUser++;
                var factors = Vector(random, 0, 0.7);
                for (var d = 0; d < LatentDim; d++)
                {
                    factors[d] += taste[d];
                }

                var interactions = 20 + random.Next(41);
                for (var n = 0; n < interactions; n++)
                {
                    var item = Array.BinarySearch(cumulative, random.NextDouble());
                    item = item < 0 ? Math.Min(~item, items - 1) : item;
                    var affinity = itemBias[item] + skew;
                    for (var d = 0; d < LatentDim; d++)
                    {
                        affinity += factors[d] * itemFactors[item][d];
                    }

                    var click = random.NextDouble() < Sigmoid(affinity - 0.5) ? 1f : 0f;
                    var converts = click > 0 && random.NextDouble() < Sigmoid((0.8 * affinity) - (0.6 * itemPrice[item]) - 0.5);
                    var rating = click > 0 ? (float)Math.Clamp(3 + (0.8 * affinity) + Normal.Sample(random, 0, 0.5), 1, 5) : float.NaN;
                    examples.Add(new SyntheticExample(k, user, item, itemGenres[item], itemPrice[item], click, converts ? 1f : 0f, rating));
                }
            }
        }

        return new SyntheticFederation(examples, institutions, nextUser, items);
    }

    /// <summary>
    /// The model the default run trains: user (local), item and genres (shared) fields, price as a numeric feature,
    /// an MMoE trunk, and click / conversion (ESMM) / rating tasks with local heads.
    /// </summary>
    public ModelSpec DefaultSpec() => new()
    {
        Fields =
        [
            new FieldSpec { Name = "user", Dim = 16, Vocabulary = Users, Scope = ParameterScope.Local },
            new FieldSpec { Name = "item", Dim = 16, Vocabulary = Items },
            new FieldSpec { Name = "genres", Dim = 8, Vocabulary = GenreCount, MultiValued = true },
        ],
        Numeric = ["price"],
        Trunk = new TrunkSpec { Kind = TrunkKind.Mmoe, Hidden = [32], Experts = 4 },
        Tasks =
        [
            new TaskSpec { Name = "click", Kind = TaskKind.Binary, Tower = [16] },
            new TaskSpec { Name = "conversion", Kind = TaskKind.Binary, Tower = [16] },
            new TaskSpec { Name = "rating", Kind = TaskKind.Regression, Tower = [16], Weight = 0.5f },
        ],
        Esmm = new EsmmSpec { Click = "click", Conversion = "conversion" },
    };

    private static double[] Vector(Xoshiro256StarStar random, double mean, double deviation)
    {
        var vector = new double[LatentDim];
        for (var d = 0; d < LatentDim; d++)
        {
            vector[d] = Normal.Sample(random, mean, deviation);
        }

        return vector;
    }

    private static double Sigmoid(double z) => 1 / (1 + Math.Exp(-z));
}
