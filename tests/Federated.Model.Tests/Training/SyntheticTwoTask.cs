using Federated.Model.Spec;
using Federated.Model.Training;
using MathNet.Numerics.Distributions;
using MathNet.Numerics.Random;

namespace Federated.Model.Tests.Training;

/// <summary>
/// A learnable two-task data set: users and items carry hidden 3-dimensional factors, the score is their dot product
/// plus a numeric effect, click ~ Bernoulli(σ(2·score)) and rating = 3 + score + N(0, 0.3²).
/// </summary>
internal sealed class SyntheticTwoTask
{
    public const int Users = 60;
    public const int Items = 40;

    private readonly double[][] _userFactors;
    private readonly double[][] _itemFactors;
    private readonly Xoshiro256StarStar _random;

    public SyntheticTwoTask(int seed)
    {
        _random = new Xoshiro256StarStar(seed, threadSafe: false);
        _userFactors = Factors(Users);
        _itemFactors = Factors(Items);
    }

    public static ModelSpec Spec(TrunkKind kind) => new()
    {
        Fields =
        [
            new FieldSpec { Name = "user", Dim = 8, Vocabulary = Users, Scope = ParameterScope.Local },
            new FieldSpec { Name = "item", Dim = 8, Vocabulary = Items },
        ],
        Numeric = ["boost"],
        Trunk = kind switch
        {
            TrunkKind.SharedBottom => new TrunkSpec { Kind = kind, Hidden = [32, 16] },
            TrunkKind.Mmoe => new TrunkSpec { Kind = kind, Hidden = [16], Experts = 3 },
            _ => new TrunkSpec { Kind = kind, Hidden = [16], SharedExperts = 2, TaskExperts = 1, Levels = 1 },
        },
        Tasks =
        [
            new TaskSpec { Name = "click", Kind = TaskKind.Binary, Tower = [8] },
            new TaskSpec { Name = "rating", Kind = TaskKind.Regression, Tower = [8] },
        ],
    };

    /// <summary>Fills <paramref name="batch"/> with <paramref name="count"/> fresh examples.</summary>
    public void Fill(Batch batch, int count)
    {
        batch.Clear();
        for (var i = 0; i < count; i++)
        {
            var user = _random.Next(Users);
            var item = _random.Next(Items);
            var boost = (_random.NextDouble() * 2) - 1;
            var score = 0.5 * boost;
            for (var k = 0; k < 3; k++)
            {
                score += _userFactors[user][k] * _itemFactors[item][k];
            }

            var example = batch.Add();
            batch.SetId(example, 0, user);
            batch.SetId(example, 1, item);
            batch.SetNumeric(example, 0, (float)boost);
            var click = _random.NextDouble() < 1 / (1 + Math.Exp(-2 * score)) ? 1f : 0f;
            batch.SetLabel(example, 0, click);
            batch.SetLabel(example, 1, (float)(3 + score + Normal.Sample(_random, 0, 0.3)));
        }
    }

    private double[][] Factors(int count)
    {
        var factors = new double[count][];
        for (var i = 0; i < count; i++)
        {
            factors[i] = [Normal.Sample(_random, 0, 0.8), Normal.Sample(_random, 0, 0.8), Normal.Sample(_random, 0, 0.8)];
        }

        return factors;
    }
}
