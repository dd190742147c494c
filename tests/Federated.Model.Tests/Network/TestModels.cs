using Federated.Model.Parameters;
using Federated.Model.Spec;
using Federated.Model.Training;
using MathNet.Numerics.Random;

namespace Federated.Model.Tests.Network;

/// <summary>Small specs of each trunk kind and seeded random batches for gradient and training tests.</summary>
internal static class TestModels
{
    public static ModelSpec Small(TrunkKind kind, bool esmm = false, bool uncertainty = false, float l2 = 0, float dropout = 0)
    {
        var trunk = kind switch
        {
            TrunkKind.SharedBottom => new TrunkSpec { Kind = kind, Hidden = [6, 5] },
            TrunkKind.Mmoe => new TrunkSpec { Kind = kind, Hidden = [6], Experts = 3 },
            _ => new TrunkSpec { Kind = kind, Hidden = [5], SharedExperts = 2, TaskExperts = 1, Levels = 2 },
        };
        var spec = new ModelSpec
        {
            Fields =
            [
                new FieldSpec { Name = "item", Dim = 4, Vocabulary = 20 },
                new FieldSpec { Name = "user", Dim = 3, Vocabulary = 15, Scope = ParameterScope.Local },
                new FieldSpec { Name = "genres", Dim = 2, Vocabulary = 8, MultiValued = true },
            ],
            Numeric = ["x0", "x1"],
            Trunk = trunk,
            Tasks =
            [
                new TaskSpec { Name = "click", Kind = TaskKind.Binary, Tower = [5], Weight = 1.0f },
                new TaskSpec { Name = "conversion", Kind = TaskKind.Binary, Tower = [4], Weight = 0.7f, Scope = ParameterScope.Shared },
                new TaskSpec { Name = "rating", Kind = TaskKind.Regression, Tower = [3], Weight = 0.5f },
            ],
            Esmm = esmm ? new EsmmSpec { Click = "click", Conversion = "conversion" } : null,
            UncertaintyWeighting = uncertainty,
            L2 = l2,
            Dropout = dropout,
        };
        spec.Validate();
        return spec;
    }

    /// <summary>
    /// A small model with per-row biases on a shared, a local and a multi-valued field (item, user, genres) and a dot
    /// or product interaction between user and item: biased MF and NeuMF-like parts beside a trunk.
    /// </summary>
    public static ModelSpec Factorised(TrunkKind kind, InteractionKind interaction, bool esmm = false)
    {
        var small = Small(kind, esmm);
        var spec = small with
        {
            Fields =
            [
                new FieldSpec { Name = "item", Dim = 3, Vocabulary = 20, BiasTasks = ["rating", "click"] },
                new FieldSpec { Name = "user", Dim = 3, Vocabulary = 15, Scope = ParameterScope.Local, BiasTasks = ["rating"] },
                new FieldSpec { Name = "genres", Dim = 2, Vocabulary = 8, MultiValued = true, BiasTasks = ["conversion"] },
            ],
            Interaction = new InteractionSpec
            {
                Kind = interaction,
                Fields = ["user", "item"],
                Tasks = interaction == InteractionKind.Dot ? ["rating", "conversion"] : [],
            },
        };
        spec.Validate();
        return spec;
    }

    /// <summary>
    /// Parameters with random biases too: zero biases on zero inputs put ReLU units exactly on their kink, where finite
    /// differences are meaningless.
    /// </summary>
    public static ParameterSet RandomParameters(ModelSpec spec, int seed)
    {
        var set = ParameterSet.Initialize(spec, seed);
        var random = new Xoshiro256StarStar(seed + 1, threadSafe: false);
        foreach (var tensor in set.Layout.Tensors.Where(t => t.Kind == TensorKind.Bias))
        {
            var values = set[tensor];
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = (float)((random.NextDouble() - 0.5) * 0.4);
            }
        }

        // Per-row bias columns start at zero; random values make their gradient check meaningful.
        foreach (var field in spec.Fields.Where(f => f.Columns > f.Dim))
        {
            var table = set[TensorNames.Embedding(field.Name)];
            for (var row = 0; row < field.Rows; row++)
            {
                for (var c = field.Dim; c < field.Columns; c++)
                {
                    table[(row * field.Columns) + c] = (float)((random.NextDouble() - 0.5) * 0.4);
                }
            }
        }

        return set;
    }

    /// <summary>A batch of random ids, bags of 0–3 ids, numeric features and labels, about a fifth of them missing.</summary>
    public static Batch RandomBatch(ModelSpec spec, int count, int seed)
    {
        var random = new Xoshiro256StarStar(seed, threadSafe: false);
        var batch = new Batch(spec, count);
        for (var i = 0; i < count; i++)
        {
            var example = batch.Add();
            for (var f = 0; f < spec.Fields.Count; f++)
            {
                var field = spec.Fields[f];
                if (field.MultiValued)
                {
                    var size = random.Next(4);
                    for (var k = 0; k < size; k++)
                    {
                        batch.AddBagId(f, random.Next(field.Rows));
                    }
                }
                else
                {
                    batch.SetId(example, f, random.Next(field.Rows));
                }
            }

            for (var j = 0; j < spec.Numeric.Count; j++)
            {
                batch.SetNumeric(example, j, (float)((random.NextDouble() * 2) - 1));
            }

            for (var t = 0; t < spec.Tasks.Count; t++)
            {
                if (random.NextDouble() < 0.2)
                {
                    continue;
                }

                var label = spec.Tasks[t].Kind == TaskKind.Binary ? (random.NextDouble() < 0.4 ? 1f : 0f) : (float)(random.NextDouble() * 4);
                batch.SetLabel(example, t, label);
            }
        }

        return batch;
    }
}
