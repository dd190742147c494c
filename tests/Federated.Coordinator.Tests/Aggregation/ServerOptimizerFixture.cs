using Federated.Coordinator.Aggregation;
using Federated.Model.Parameters;
using Federated.Model.Spec;
using Federated.Model.Updates;
using MathNet.Numerics.Random;

namespace Federated.Coordinator.Tests.Aggregation;

/// <summary>
/// A small model with a shared item table, shared click and rating heads and a local head; seeded updates over three
/// rounds; and a reference of the server optimisers computed in double straight from the papers' formulas.
/// </summary>
internal static class ServerOptimizerFixture
{
    /// <summary>The item rows each update sends, per round (null: the whole table, dense).</summary>
    public static readonly int[]?[][] ItemRows =
    [
        [[1, 3], [3], [5]],
        [[3], [3, 5], []],
        [[1], null, [1, 2]],
    ];

    /// <summary>
    /// The updates' weights: one node without rating labels, one without click labels, so task tensors are averaged
    /// over other nodes than the trunk.
    /// </summary>
    public static readonly UpdateWeights[] Weights =
    [
        new(10, new Dictionary<string, long> { ["click"] = 10, ["rating"] = 4, ["local"] = 10 }),
        new(7, new Dictionary<string, long> { ["click"] = 7 }),
        new(3, new Dictionary<string, long> { ["click"] = 0, ["rating"] = 3 }),
    ];

    public static CompiledModel CompileModel() => CompiledModel.Compile(new ModelSpec
    {
        Fields =
        [
            new FieldSpec { Name = "item", Dim = 2, Buckets = 6 },
            new FieldSpec { Name = "user", Dim = 2, Vocabulary = 4, Scope = ParameterScope.Local },
        ],
        Numeric = ["x"],
        Trunk = new TrunkSpec { Kind = TrunkKind.SharedBottom, Hidden = [4] },
        Tasks =
        [
            new TaskSpec { Name = "click", Tower = [2], Scope = ParameterScope.Shared },
            new TaskSpec { Name = "rating", Kind = TaskKind.Regression, Tower = [2], Scope = ParameterScope.Shared },
            new TaskSpec { Name = "local", Tower = [2] },
        ],
    });

    /// <summary>The seeded updates of round <paramref name="round"/> (0-based) over the shared layout.</summary>
    public static List<(ModelDelta Delta, UpdateWeights Weights)> Updates(ParameterLayout layout, int round)
    {
        var random = new Xoshiro256StarStar(100 + round, threadSafe: false);
        var updates = new List<(ModelDelta, UpdateWeights)>();
        for (var k = 0; k < Weights.Length; k++)
        {
            var tensors = new List<TensorDelta>();
            foreach (var tensor in layout.InScope(ParameterScope.Shared))
            {
                var rows = tensor.Name == "emb/item" ? ItemRows[round][k] : null;
                var values = new float[rows is null ? tensor.Length : rows.Length * tensor.Columns];
                for (var i = 0; i < values.Length; i++)
                {
                    values[i] = (float)((random.NextDouble() - 0.5) * 0.2);
                }

                tensors.Add(new TensorDelta(tensor.Name, values, rows));
            }

            var delta = new ModelDelta(tensors);
            delta.Validate(layout);
            updates.Add((delta, Weights[k]));
        }

        return updates;
    }

    /// <summary>Runs <paramref name="rounds"/> rounds of a fresh strategy from <paramref name="start"/>; returns each round's result.</summary>
    public static List<ParameterSet> Run(IAggregationStrategy strategy, ParameterSet start, int rounds, int firstRound = 0)
    {
        var results = new List<ParameterSet>();
        var current = start;
        for (var round = firstRound; round < firstRound + rounds; round++)
        {
            var aggregator = strategy.BeginRound(current);
            foreach (var (delta, weights) in Updates(current.Layout, round))
            {
                aggregator.Add(delta, weights);
            }

            current = aggregator.Finish();
            results.Add(current);
        }

        return results;
    }

    public static int[] Bits(ReadOnlySpan<float> values)
    {
        var bits = new int[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            bits[i] = BitConverter.SingleToInt32Bits(values[i]);
        }

        return bits;
    }

    /// <summary>
    /// The optimiser in double, written from the formulas: Δ per tensor (per row for the item table) is the mean of the
    /// updates that carried it, weighted by examples, or by the labelled examples of the tensor's task for task tensors.
    /// A row no update sent takes no step; a dense tensor no update carried steps with Δ = 0.
    /// </summary>
    internal sealed class Reference
    {
        private readonly CompiledModel _model;
        private readonly ServerOptimizerSettings _settings;
        private readonly double[] _m;
        private readonly double[] _v;

        public Reference(CompiledModel model, ServerOptimizerSettings settings, ParameterSet start)
        {
            _model = model;
            _settings = settings;
            X = [.. start.Values.Select(x => (double)x)];
            _m = new double[X.Length];
            _v = [.. Enumerable.Repeat(settings.Tau * settings.Tau, X.Length)];
        }

        public double[] X { get; }

        public void Round(ParameterLayout layout, List<(ModelDelta Delta, UpdateWeights Weights)> updates)
        {
            foreach (var tensor in layout.Tensors)
            {
                var task = _model.TaskOf(tensor);
                var lazyRows = tensor.Kind == TensorKind.Embedding;
                var rows = lazyRows ? tensor.Rows : 1;
                var width = tensor.Length / rows;
                for (var r = 0; r < rows; r++)
                {
                    var sum = new double[width];
                    double total = 0;
                    foreach (var (delta, weights) in updates)
                    {
                        double w = weights.For(task);
                        var sent = delta.Tensors.Single(t => t.Name == tensor.Name);
                        var at = sent.Rows is null ? r : Array.IndexOf(sent.Rows, r);
                        if (w <= 0 || at < 0)
                        {
                            continue;
                        }

                        for (var i = 0; i < width; i++)
                        {
                            sum[i] += w * sent.Values[(at * width) + i];
                        }

                        total += w;
                    }

                    if (total == 0 && lazyRows)
                    {
                        continue;
                    }

                    for (var i = 0; i < width; i++)
                    {
                        Step(tensor.Offset + (r * width) + i, total > 0 ? sum[i] / total : 0);
                    }
                }
            }
        }

        private void Step(int j, double delta)
        {
            var s = _settings;
            if (s.Kind == ServerOptimizerKind.FedAvgM)
            {
                _m[j] = (s.Momentum * _m[j]) + delta;
                X[j] += s.ServerLearningRate * _m[j];
                return;
            }

            _m[j] = (s.Beta1 * _m[j]) + ((1 - s.Beta1) * delta);
            var square = delta * delta;
            _v[j] = s.Kind switch
            {
                ServerOptimizerKind.FedAdagrad => _v[j] + square,
                ServerOptimizerKind.FedAdam => (s.Beta2 * _v[j]) + ((1 - s.Beta2) * square),
                _ => _v[j] - ((1 - s.Beta2) * square * Math.Sign(_v[j] - square)),
            };
            X[j] += s.ServerLearningRate * _m[j] / (Math.Sqrt(_v[j]) + s.Tau);
        }
    }
}
