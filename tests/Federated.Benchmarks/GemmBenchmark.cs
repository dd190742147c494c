using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Federated.Model.Kernels;
using MathNet.Numerics;
using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.Random;

namespace Federated.Benchmarks;

/// <summary>
/// The <c>gemm</c> subcommand: throughput of <see cref="Gemm"/> on the trainer's dense-layer shapes,
/// one JSON line per shape and operand orientation, plus MathNet's managed product in the same run.
/// </summary>
internal static class GemmBenchmark
{
    private const int Slices = 10;

    private static readonly (int M, int K, int N)[] Shapes = [(256, 128, 64), (256, 64, 64)];

    private static readonly (string Name, bool TransposeA, bool TransposeB)[] Variants = [("nn", false, false), ("tn", true, false), ("nt", false, true)];

    private static readonly JsonSerializerOptions JsonOptions = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>Creates the <c>gemm</c> command with its <c>--threads</c> and <c>--seconds</c> options.</summary>
    public static Command CreateCommand()
    {
        var threads = new Option<int>("--threads")
        {
            Description = "Workers per product (Gemm.MultiplyParallel when above 1).",
            DefaultValueFactory = _ => 1,
        };
        threads.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() < 1)
            {
                result.AddError("--threads must be at least 1.");
            }
        });
        var seconds = new Option<double>("--seconds")
        {
            Description = "Measurement time per shape and variant, in seconds, after a warm-up of a quarter of it.",
            DefaultValueFactory = _ => 2.0,
        };
        seconds.Validators.Add(result =>
        {
            if (!(result.GetValueOrDefault<double>() > 0))
            {
                result.AddError("--seconds must be positive.");
            }
        });

        var command = new Command("gemm", "GFLOP/s of Gemm on 256x128x64 and 256x64x64 (MxKxN), nn/tn/nt, and of MathNet's managed product.");
        command.Options.Add(threads);
        command.Options.Add(seconds);
        command.SetAction(parseResult => Run(parseResult.GetValue(threads), parseResult.GetValue(seconds), Console.Out));
        return command;
    }

    private static int Run(int threads, double seconds, TextWriter output)
    {
        double peak = PeakFlops.MeasurePerCoreGflops(Math.Min(1.0, seconds / 2));
        string path = Gemm.SelectedPath.ToString();
        var random = new Xoshiro256StarStar(20240611);
        foreach (var (m, k, n) in Shapes)
        {
            float[] a = RandomFloats(random, m * k);
            float[] b = RandomFloats(random, k * n);
            float[] c = new float[m * n];
            foreach (var (name, transposeA, transposeB) in Variants)
            {
                Action product = threads == 1
                    ? () => Gemm.Multiply(a, b, c, m, k, n, transposeA, transposeB)
                    : () => Gemm.MultiplyParallel(a, b, c, m, k, n, threads, transposeA, transposeB);
                var (median, best) = Measure(product, 2.0 * m * k * n, seconds);
                Write(output, new GemmMeasurement($"{m}x{k}x{n}", name, threads, "Federated.Gemm", path, median, best, peak, median / (peak * threads)));
            }
        }

        // MathNet's managed provider, same shape and load, for the ratio.
        Control.UseManaged();
        Control.MaxDegreeOfParallelism = threads;
        {
            var (m, k, n) = Shapes[0];
            var left = Matrix<float>.Build.Dense(m, k, RandomFloats(random, m * k));
            var right = Matrix<float>.Build.Dense(k, n, RandomFloats(random, k * n));
            var result = Matrix<float>.Build.Dense(m, n);
            var (median, best) = Measure(() => left.Multiply(right, result), 2.0 * m * k * n, seconds);
            Write(output, new GemmMeasurement($"{m}x{k}x{n}", "nn", threads, "MathNet.Numerics", "managed", median, best, peak, median / (peak * threads)));
        }

        return 0;
    }

    /// <summary>Warms up for a quarter of <paramref name="seconds"/>, then times <see cref="Slices"/> slices; returns median and best GFLOP/s.</summary>
    private static (double Median, double Best) Measure(Action product, double flopsPerCall, double seconds)
    {
        RunFor(product, seconds / 4);
        double[] rates = new double[Slices];
        for (int s = 0; s < Slices; s++)
        {
            long start = Stopwatch.GetTimestamp();
            long calls = RunFor(product, seconds / Slices);
            rates[s] = calls * flopsPerCall / Stopwatch.GetElapsedTime(start).TotalSeconds / 1e9;
        }

        Array.Sort(rates);
        return ((rates[(Slices - 1) / 2] + rates[Slices / 2]) / 2, rates[^1]);
    }

    private static long RunFor(Action product, double seconds)
    {
        long calls = 0;
        long start = Stopwatch.GetTimestamp();
        do
        {
            // Batches of 16 keep the clock reads out of the measured work.
            for (int i = 0; i < 16; i++)
            {
                product();
            }

            calls += 16;
        }
        while (Stopwatch.GetElapsedTime(start).TotalSeconds < seconds);
        return calls;
    }

    private static float[] RandomFloats(Xoshiro256StarStar random, int count)
    {
        float[] values = new float[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = (float)((2 * random.NextDouble()) - 1);
        }

        return values;
    }

    private static void Write(TextWriter output, GemmMeasurement measurement)
    {
        var rounded = measurement with
        {
            Gflops = Math.Round(measurement.Gflops, 2),
            GflopsBest = Math.Round(measurement.GflopsBest, 2),
            PeakGflopsPerCore = Math.Round(measurement.PeakGflopsPerCore, 1),
            PeakFractionEstimate = Math.Round(measurement.PeakFractionEstimate, 3),
        };
        output.WriteLine(JsonSerializer.Serialize(rounded, JsonOptions));
    }
}
