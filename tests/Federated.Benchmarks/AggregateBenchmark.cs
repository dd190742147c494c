using System.CommandLine;
using System.Diagnostics;
using Federated.Coordinator.Aggregation;
using Federated.Model.Parameters;
using Federated.Model.Spec;
using Federated.Model.Updates;

namespace Federated.Benchmarks;

/// <summary>
/// The <c>aggregate</c> subcommand: the FedAvg fold of K dense updates of P parameters through the strategy's public
/// API, as update bytes per second and as a ratio to the memcpy bandwidth of the same bytes measured in the same run;
/// then a row-sparse round (a fraction of the table's rows per update) against a dense one, to show that its fold
/// follows the rows sent. Both rounds' begin and finish include the copy of the base model into the next version, O(model),
/// as the strategy's <c>Finish</c> returns a new set. Last, whole rounds through the engine with a SQLite file
/// (<see cref="EngineRoundCost"/>), dense against row-sparse: there a FedAvg commit writes the next version in place and
/// stores a delta, so the sparse round's cost follows its rows.
/// </summary>
/// <remarks>
/// The fold reads 4 bytes of update and reads and writes 8 bytes of double sum per parameter (20 bytes of traffic); the
/// memcpy of the update reads and writes 4 (8 bytes). Both ratios are printed: <c>ratio_to_memcpy</c> compares update
/// bytes folded with update bytes copied per second, <c>traffic_ratio_to_memcpy</c> memory traffic per second.
/// </remarks>
internal static class AggregateBenchmark
{
    public static Command CreateCommand()
    {
        var parameters = new Option<int>("--params") { Description = "Shared parameters P of the model", DefaultValueFactory = _ => 1_000_000 };
        var updates = new Option<int>("--updates") { Description = "Updates K folded per round", DefaultValueFactory = _ => 20 };
        var repetitions = new Option<int>("--reps") { Description = "Timed repetitions (the median is reported)", DefaultValueFactory = _ => 7 };
        var sparse = new Option<double>("--sparse-fraction") { Description = "Fraction of the table's rows in each sparse update", DefaultValueFactory = _ => 0.01 };
        var engineRounds = new Option<int>("--engine-rounds") { Description = "Dense rounds timed through the engine with a SQLite file (0: skip)", DefaultValueFactory = _ => 5 };
        var engineSparseRounds = new Option<int>("--engine-sparse-rounds") { Description = "Sparse rounds timed through the engine; enough for the store to write whole versions between its deltas", DefaultValueFactory = _ => 40 };
        var command = new Command("aggregate", "FedAvg fold bytes/s against memcpy of the same bytes, and the cost of a row-sparse round against a dense one");
        command.Options.Add(parameters);
        command.Options.Add(updates);
        command.Options.Add(repetitions);
        command.Options.Add(sparse);
        command.Options.Add(engineRounds);
        command.Options.Add(engineSparseRounds);
        command.SetAction(result => Run(result.GetValue(parameters), result.GetValue(updates), result.GetValue(repetitions), result.GetValue(sparse), result.GetValue(engineRounds), result.GetValue(engineSparseRounds)));
        return command;
    }

    private static int Run(int parameters, int updates, int repetitions, double sparseFraction, int engineRounds, int engineSparseRounds)
    {
        var model = CompiledModel.Compile(BenchmarkModel.Spec(parameters));
        var layout = model.SharedLayout;
        var global = model.InitializeShared(1);
        var strategy = new FedAvgStrategy(model);
        var dense = AggregationRound.DenseDeltas(layout, Math.Min(updates, 4));
        var table = layout.InScope(ParameterScope.Shared).Single(t => t.Kind == TensorKind.Embedding);
        var sparse = SparseDeltas(layout, table, sparseFraction, Math.Min(updates, 4));
        var bytes = 4.0 * layout.TotalLength * updates;

        // Warm-up: the JIT and the buffers the strategy keeps from round to round.
        AggregationRound.Time(strategy, global, dense, updates);
        AggregationRound.Time(strategy, global, sparse, updates);
        var source = new float[layout.TotalLength];
        var target = new float[layout.TotalLength];
        Memcpy(source, target, updates);

        var fold = new double[repetitions];
        var finish = new double[repetitions];
        var copy = new double[repetitions];
        var sparseFold = new double[repetitions];
        var sparseFinish = new double[repetitions];
        for (var r = 0; r < repetitions; r++)
        {
            (fold[r], finish[r]) = AggregationRound.Time(strategy, global, dense, updates);
            copy[r] = Memcpy(source, target, updates);
            (sparseFold[r], sparseFinish[r]) = AggregationRound.Time(strategy, global, sparse, updates);
        }

        var foldSeconds = AggregationRound.Median(fold);
        var copySeconds = AggregationRound.Median(copy);
        AggregationRound.Print(new Dictionary<string, object>
        {
            ["benchmark"] = "aggregate",
            ["case"] = "dense",
            ["params"] = layout.TotalLength,
            ["updates"] = updates,
            ["fold_bytes_per_second"] = Math.Round(bytes / foldSeconds),
            ["memcpy_bytes_per_second"] = Math.Round(bytes / copySeconds),
            ["ratio_to_memcpy"] = Math.Round(copySeconds / foldSeconds, 3),
            ["traffic_ratio_to_memcpy"] = Math.Round(20.0 / 8 * copySeconds / foldSeconds, 3),
            ["fold_ms_per_update"] = Math.Round(foldSeconds * 1000 / updates, 3),
            ["begin_and_finish_ms"] = Math.Round(AggregationRound.Median(finish) * 1000, 3),
            ["vector512"] = System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated,
        });
        var rows = sparse[0].Tensors.Single(t => t.Name == table.Name).Rows!.Length;
        var denseRound = foldSeconds + AggregationRound.Median(finish);
        var sparseRound = AggregationRound.Median(sparseFold) + AggregationRound.Median(sparseFinish);
        AggregationRound.Print(new Dictionary<string, object>
        {
            ["benchmark"] = "aggregate",
            ["case"] = "sparse",
            ["params"] = layout.TotalLength,
            ["updates"] = updates,
            ["table_rows"] = table.Rows,
            ["rows_per_update"] = rows,
            ["row_fraction"] = Math.Round((double)rows / table.Rows, 4),
            ["fold_ms_per_update"] = Math.Round(AggregationRound.Median(sparseFold) * 1000 / updates, 4),
            ["fold_cost_fraction_of_dense"] = Math.Round(AggregationRound.Median(sparseFold) / foldSeconds, 4),
            ["begin_and_finish_ms"] = Math.Round(AggregationRound.Median(sparseFinish) * 1000, 4),
            ["round_cost_fraction_of_dense"] = Math.Round(sparseRound / denseRound, 4),
        });
        if (engineRounds > 0)
        {
            PrintEngineRounds(model.Spec, dense, sparse, updates, engineRounds, engineSparseRounds, (double)rows / table.Rows);
        }

        return 0;
    }

    /// <summary>
    /// The whole round through the engine — validation, fold, commit with the next version and its storage in a SQLite
    /// file — dense, then row-sparse, in the same run; the sparse figure is the mean over enough rounds to include the
    /// whole versions the store writes between its deltas.
    /// </summary>
    private static void PrintEngineRounds(ModelSpec spec, ModelDelta[] dense, ModelDelta[] sparse, int updates, int denseRounds, int sparseRounds, double rowFraction)
    {
        var denseSeconds = EngineRoundCost.Measure(spec, dense, updates, denseRounds);
        var sparseSeconds = EngineRoundCost.Measure(spec, sparse, updates, sparseRounds);
        var denseMean = denseSeconds.Average();
        AggregationRound.Print(new Dictionary<string, object>
        {
            ["benchmark"] = "aggregate",
            ["case"] = "engine_round_with_store",
            ["updates"] = updates,
            ["row_fraction_per_update"] = Math.Round(rowFraction, 4),
            ["dense_rounds"] = denseRounds,
            ["sparse_rounds"] = sparseRounds,
            ["dense_ms_per_round"] = Math.Round(denseMean * 1000, 2),
            ["sparse_ms_per_round_mean"] = Math.Round(sparseSeconds.Average() * 1000, 2),
            ["sparse_ms_per_round_median"] = Math.Round(AggregationRound.Median(sparseSeconds) * 1000, 2),
            ["sparse_ms_per_round_max"] = Math.Round(sparseSeconds.Max() * 1000, 2),
            ["sparse_fraction_of_dense"] = Math.Round(sparseSeconds.Average() / denseMean, 4),
        });
    }


    private static double Memcpy(float[] source, float[] target, int count)
    {
        var clock = Stopwatch.StartNew();
        for (var k = 0; k < count; k++)
        {
            source.AsSpan().CopyTo(target);
        }

        return clock.Elapsed.TotalSeconds;
    }

    /// <summary>Updates that send <paramref name="fraction"/> of the table's rows (spread evenly, a different offset each) and every other tensor dense.</summary>
    private static ModelDelta[] SparseDeltas(ParameterLayout layout, TensorInfo table, double fraction, int count)
    {
        var rows = Math.Max(1, (int)(table.Rows * fraction));
        var step = table.Rows / rows;
        var deltas = new ModelDelta[count];
        for (var k = 0; k < count; k++)
        {
            var dense = BenchmarkModel.DenseDelta(layout, 100 + k);
            var ids = Enumerable.Range(0, rows).Select(i => ((i * step) + k) % table.Rows).Order().ToArray();
            var tensors = dense.Where(p => p.Key != table.Name).Select(p => new TensorDelta(p.Key, p.Value)).ToList();
            tensors.Add(new TensorDelta(table.Name, dense[table.Name][..(rows * table.Columns)], ids));
            deltas[k] = new ModelDelta(tensors);
        }

        return deltas;
    }
}
