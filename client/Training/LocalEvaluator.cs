using Federated.Client.Data;
using Federated.Model.Metrics;
using Federated.Model.Optimization;
using Federated.Model.Parameters;
using Federated.Model.Training;

namespace Federated.Client.Training;

/// <summary>
/// Inference over a workspace's buffer as it is: per-task mergeable metric summaries on a part of a node's split, and
/// the predictor that recommendation scores with. Its trainer, batch and prediction buffers are created on first use.
/// </summary>
/// <remarks>Reads the buffer only; never trains. Not thread-safe.</remarks>
internal sealed class LocalEvaluator(CompiledModel model, ParameterSet parameters, NodeTrainingOptions options) : IDisposable
{
    private MultiTaskTrainer? _inference;
    private Batch? _batch;
    private float[][]? _predictions;

    /// <summary>Evaluates the buffer on a part of <paramref name="data"/>'s split.</summary>
    /// <returns>One summary per task, in the model's task order; binary ones with <see cref="NodeTrainingOptions.MetricBins"/> bins.</returns>
    public IReadOnlyList<TaskMetrics> Evaluate(NodeDataset data, DataPart part)
    {
        var summaries = new TaskMetricsBuilder(model.Tasks, options.MetricBins);
        ForEachBatch(data, part, (t, _, p, y) => summaries.Add(t, p, y));
        return summaries.ToMetrics();
    }

    /// <summary>
    /// The buffer's raw predictions on a part of <paramref name="data"/>'s split, and the rows' labels, in the part's row
    /// order: what an ensemble averages before it computes metrics.
    /// </summary>
    /// <param name="data">The node's data.</param>
    /// <param name="part">Which part.</param>
    /// <param name="predictions">Per task, at least the part's row count: the prediction (regression: the value; binary: the probability).</param>
    /// <param name="labels">Per task, at least the part's row count: the label as the metric summaries read it.</param>
    public void Predict(NodeDataset data, DataPart part, float[][] predictions, float[][] labels)
    {
        ForEachBatch(data, part, (t, offset, p, y) =>
        {
            p.CopyTo(predictions[t].AsSpan(offset));
            y.CopyTo(labels[t].AsSpan(offset));
        });
    }

    /// <summary>The rows of a part of <paramref name="data"/>'s split, in evaluation order.</summary>
    internal static int[] Rows(NodeDataset data, DataPart part) => part switch
    {
        DataPart.Train => data.Split.Train,
        DataPart.Validation => data.Split.Validation,
        _ => data.Split.Test,
    };

    /// <summary>Receives one task's predictions and labels for a batch that starts at row <c>offset</c> of the part.</summary>
    private delegate void BatchSink(int task, int offset, ReadOnlySpan<float> predictions, ReadOnlySpan<float> labels);

    /// <summary>Predicts the part batch by batch; each batch's finite predictions go to <paramref name="sink"/>, task by task.</summary>
    private void ForEachBatch(NodeDataset data, DataPart part, BatchSink sink)
    {
        var rows = Rows(data, part);
        var tasks = model.Tasks;
        var (trainer, batch, predictions) = Inference();
        for (var start = 0; start < rows.Length; start += batch.Capacity)
        {
            batch.Clear();
            data.Table.Fill(batch, rows.AsSpan(start, Math.Min(batch.Capacity, rows.Length - start)), data.Standardizer);
            trainer.Predict(batch, predictions);
            for (var t = 0; t < tasks.Count; t++)
            {
                var p = predictions[t].AsSpan(0, batch.Count);
                ThrowIfDiverged(p, tasks[t].Name, part);
                sink(t, start, p, batch.Labels(t)[..batch.Count]);
            }
        }
    }

    /// <summary>
    /// A non-finite prediction means the parameters blew up (the labels are the data's, checked when it was read): say
    /// so, rather than let the metric summary refuse its input with a message about predictions.
    /// </summary>
    private static void ThrowIfDiverged(ReadOnlySpan<float> predictions, string task, DataPart part)
    {
        foreach (var prediction in predictions)
        {
            if (!float.IsFinite(prediction))
            {
                throw new ModelDivergedException(task, part, prediction);
            }
        }
    }

    /// <summary>The inference trainer (no optimiser state is used), its batch and prediction buffers.</summary>
    public (MultiTaskTrainer Trainer, Batch Batch, float[][] Predictions) Inference()
    {
        if (_inference is null)
        {
            var size = Math.Max(1, options.EvaluationBatchSize);

            // Predict uses neither the optimiser nor dropout: SGD keeps no per-parameter state to allocate.
            _inference = new MultiTaskTrainer(model, parameters, new TrainerOptions
            {
                Optimizer = new OptimizerOptions { Kind = OptimizerKind.Sgd },
                MaxBatchSize = size,
                Threads = Math.Min(options.Threads, size),
            });
            _batch = new Batch(model.Spec, size);
            _predictions = new float[model.Tasks.Count][];
            for (var t = 0; t < _predictions.Length; t++)
            {
                _predictions[t] = new float[size];
            }
        }

        return (_inference, _batch!, _predictions!);
    }

    /// <inheritdoc/>
    public void Dispose() => _inference?.Dispose();
}
