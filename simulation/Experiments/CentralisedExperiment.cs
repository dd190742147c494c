using Federated.Model.Metrics;
using Federated.Model.Optimization;
using Federated.Model.Parameters;
using Federated.Model.Spec;
using Federated.Model.Training;
using Federated.Simulation.Synthetic;
using MathNet.Numerics.Random;

namespace Federated.Simulation.Experiments;

/// <summary>
/// Trains one model on the pooled synthetic data (the centralised reference) and evaluates it on a held-out split:
/// per task, the figures of the trained model beside those of the untrained initial model.
/// </summary>
internal sealed class CentralisedExperiment(SyntheticFederation data, int seed, int epochs, float learningRate)
{
    private const int BatchSize = 256;

    /// <summary>Runs the experiment; <paramref name="progress"/> receives (epoch, mean click loss) after each epoch.</summary>
    public IReadOnlyList<(TaskMetrics Before, TaskMetrics After)> Run(Action<int, double>? progress = null, CancellationToken cancellationToken = default)
    {
        var spec = data.DefaultSpec();
        var random = new Xoshiro256StarStar(seed, threadSafe: false);
        var order = Enumerable.Range(0, data.Examples.Count).ToArray();
        Shuffle(order, random);
        var testCount = order.Length / 5;
        var test = order[..testCount];
        var train = order[testCount..];

        var parameters = ParameterSet.Initialize(spec, seed);
        var before = Evaluate(spec, parameters, test);
        using var trainer = new MultiTaskTrainer(spec, parameters, new TrainerOptions { MaxBatchSize = BatchSize, Seed = seed, Optimizer = new OptimizerOptions { LearningRate = learningRate } });
        var batch = new Batch(spec, BatchSize);
        var losses = new double[spec.Tasks.Count];
        for (var epoch = 1; epoch <= epochs; epoch++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Shuffle(train, random);
            double clickLoss = 0;
            var steps = 0;
            for (var start = 0; start < train.Length; start += BatchSize)
            {
                SyntheticBatchWriter.Fill(batch, data.Examples, train.AsSpan(start, Math.Min(BatchSize, train.Length - start)));
                trainer.Step(batch, losses);
                clickLoss += losses[0];
                steps++;
            }

            progress?.Invoke(epoch, clickLoss / steps);
        }

        var after = Evaluate(spec, parameters, test);
        return [.. before.Zip(after)];
    }

    private List<TaskMetrics> Evaluate(ModelSpec spec, ParameterSet parameters, int[] test)
    {
        using var trainer = new MultiTaskTrainer(spec, parameters, new TrainerOptions { MaxBatchSize = BatchSize });
        var summaries = spec.Tasks.Select(t => t.Kind == TaskKind.Binary
            ? new TaskMetrics(t.Name, new BinaryMetricSummary())
            : new TaskMetrics(t.Name, new RegressionMetricSummary())).ToList();
        var batch = new Batch(spec, BatchSize);
        var predictions = spec.Tasks.Select(_ => new float[BatchSize]).ToArray();
        for (var start = 0; start < test.Length; start += BatchSize)
        {
            SyntheticBatchWriter.Fill(batch, data.Examples, test.AsSpan(start, Math.Min(BatchSize, test.Length - start)));
            trainer.Predict(batch, predictions);
            for (var t = 0; t < summaries.Count; t++)
            {
                var labels = batch.Labels(t)[..batch.Count];
                var predicted = predictions[t].AsSpan(0, batch.Count);
                switch (summaries[t].Summary)
                {
                    case BinaryMetricSummary binary:
                        binary.Add(predicted, labels);
                        break;
                    case RegressionMetricSummary regression:
                        regression.Add(predicted, labels);
                        break;
                }
            }
        }

        return summaries;
    }

    private static void Shuffle(int[] values, Xoshiro256StarStar random)
    {
        for (var i = values.Length - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (values[i], values[j]) = (values[j], values[i]);
        }
    }
}
