using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Federated.Model.Optimization;
using Federated.Model.Parameters;
using Federated.Model.Spec;
using Federated.Model.Training;
using MathNet.Numerics.Random;

namespace Federated.Benchmarks;

/// <summary>
/// Training throughput of the reference model of ../shared/peers/torch_mmoe.py: two fields of 10,000 × 32 (ids uniform),
/// MMoE with 4 experts Linear(64→64)+ReLU, a softmax gate per task, 2 binary tasks with towers
/// Linear(64→32)+ReLU+Linear(32→1), Adam lr 1e-3, batch 256, float32. Same protocol as the peer: 64 pregenerated
/// batches, 50 warm-up steps (and at least 2 s, for the JIT), then 7 repetitions of 100 steps; the median rate is reported.
/// </summary>
internal static class TrainerBenchmark
{
    private const int Rows = 10_000;
    private const int BatchSize = 256;
    private const int Pregenerated = 64;

    public static Command CreateCommand()
    {
        var threads = new Option<int>("--threads") { Description = "Threads that split each batch", DefaultValueFactory = _ => 1 };
        var steps = new Option<int>("--steps") { Description = "Steps per timed repetition", DefaultValueFactory = _ => 100 };
        var repetitions = new Option<int>("--reps") { Description = "Timed repetitions (the median is reported)", DefaultValueFactory = _ => 7 };
        var variant = new Option<string>("--variant")
        {
            Description = "reference (the peer's model) or biased-mf (the same plus per-row biases of f0 and f1 for both tasks and their dot product added to both outputs)",
            DefaultValueFactory = _ => "reference",
        };
        variant.AcceptOnlyFromAmong("reference", "biased-mf");
        var command = new Command("trainer", "Samples per second of the reference MMoE training step (see ../shared/peers/torch_mmoe.py)");
        command.Options.Add(threads);
        command.Options.Add(steps);
        command.Options.Add(repetitions);
        command.Options.Add(variant);
        command.SetAction(result => Run(result.GetValue(variant)!, result.GetValue(threads), result.GetValue(steps), result.GetValue(repetitions)));
        return command;
    }

    /// <summary>The reference model as a spec.</summary>
    public static ModelSpec ReferenceSpec() => new()
    {
        Fields =
        [
            new FieldSpec { Name = "f0", Dim = 32, Vocabulary = Rows },
            new FieldSpec { Name = "f1", Dim = 32, Vocabulary = Rows },
        ],
        Trunk = new TrunkSpec { Kind = TrunkKind.Mmoe, Hidden = [64], Experts = 4 },
        Tasks =
        [
            new TaskSpec { Name = "t0", Kind = TaskKind.Binary, Tower = [32] },
            new TaskSpec { Name = "t1", Kind = TaskKind.Binary, Tower = [32] },
        ],
    };

    /// <summary>The reference model with biased MF's terms: per-row biases of both fields for both tasks, and ⟨f0, f1⟩ added to both outputs.</summary>
    public static ModelSpec BiasedMfSpec()
    {
        var spec = ReferenceSpec();
        return spec with
        {
            Fields = [.. spec.Fields.Select(f => f with { BiasTasks = ["t0", "t1"] })],
            Interaction = new InteractionSpec { Kind = InteractionKind.Dot, Fields = ["f0", "f1"], Tasks = ["t0", "t1"] },
        };
    }

    private static int Run(string variant, int threads, int steps, int repetitions)
    {
        var spec = variant == "biased-mf" ? BiasedMfSpec() : ReferenceSpec();
        var parameters = ParameterSet.Initialize(spec, 0);
        var options = new TrainerOptions { MaxBatchSize = BatchSize, Threads = threads, Optimizer = new OptimizerOptions { Kind = OptimizerKind.Adam, LearningRate = 1e-3f } };
        using var trainer = new MultiTaskTrainer(spec, parameters, options);
        var random = new Xoshiro256StarStar(0, threadSafe: false);
        var batches = new Batch[Pregenerated];
        for (var b = 0; b < batches.Length; b++)
        {
            var batch = new Batch(spec, BatchSize);
            batch.SetCount(BatchSize);
            for (var i = 0; i < BatchSize; i++)
            {
                batch.Ids(0)[i] = random.Next(Rows);
                batch.Ids(1)[i] = random.Next(Rows);
                batch.Labels(0)[i] = random.Next(2);
                batch.Labels(1)[i] = random.Next(2);
            }

            batches[b] = batch;
        }

        // The peer warms up for 50 steps; a JIT needs longer before tiered compilation has promoted the hot methods,
        // so warm up for at least two seconds as well.
        var warmUp = Stopwatch.StartNew();
        for (var i = 0; i < 50 || warmUp.Elapsed < TimeSpan.FromSeconds(2); i++)
        {
            trainer.Step(batches[i % Pregenerated]);
        }

        var rates = new double[repetitions];
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        for (var r = 0; r < repetitions; r++)
        {
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < steps; i++)
            {
                trainer.Step(batches[i % Pregenerated]);
            }

            rates[r] = steps * BatchSize / clock.Elapsed.TotalSeconds;
        }

        allocated = GC.GetTotalAllocatedBytes(precise: true) - allocated;
        Array.Sort(rates);
        var line = new Dictionary<string, object>
        {
            ["benchmark"] = "trainer",
            ["model"] = variant == "biased-mf" ? "reference-mmoe-biased-mf" : "reference-mmoe",
            ["threads"] = threads,
            ["batch"] = BatchSize,
            ["samples_per_second"] = Math.Round(rates[rates.Length / 2]),
            ["max"] = Math.Round(rates[^1]),
            ["allocated_bytes_per_step"] = Math.Round((double)allocated / (steps * repetitions), 1),
            ["vector512"] = System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated,
        };
        Console.WriteLine(JsonSerializer.Serialize(line));
        return 0;
    }
}
