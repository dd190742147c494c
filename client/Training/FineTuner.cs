using Federated.Client.Data;
using Federated.Model.Optimization;
using Federated.Model.Parameters;
using Federated.Model.Spec;
using Federated.Model.Training;
using MathNet.Numerics.Random;

namespace Federated.Client.Training;

/// <summary>
/// Fine-tunes a node's model on its own training split, on top of a finished global model: by default only the local
/// tensors (local fields' embeddings such as user ids, local task heads) learn while the shared ones stay frozen
/// (transfer learning with a frozen shared representation, as the personalised heads of FedPer, Arivazhagan et al.
/// 2019); with <see cref="FineTuneOptions.TuneShared"/> every tensor learns, locally.
/// </summary>
/// <remarks>
/// <para>Objective: the trainer's, L = Σ_t w_t·L_t (+ the spec's L2), minimised over the training split for up to
/// <see cref="FineTuneOptions.Epochs"/> passes with a fresh optimiser and seeded shuffles. After every epoch the
/// validation loss Σ_t w_t·(mean loss of task t over its labelled validation rows) is measured; tuning stops after
/// <see cref="FineTuneOptions.Patience"/> epochs without a lower one (<see cref="EarlyStopping"/>) and the
/// parameters of the best epoch are kept, the untouched ones (epoch 0) included, so tuning never leaves a node with a
/// higher validation loss than it started with. Without validation rows every epoch runs and the last is kept.</para>
/// <para>Freezing: the trainer has no per-tensor switch, and adding one would put a test into its hot path. Instead
/// every shared value a step changed (the shared dense tensors, and the rows of shared embedding tables the batch
/// looked up) is put back after the step, so each step sees exactly the frozen shared model and the shared tensors end
/// bit-identical to where they started. The cost is one copy of the shared dense tensors per step.</para>
/// <para>The epoch loop is its own rather than <see cref="LocalTrainingLoop"/>'s, which runs a round's epochs in one
/// call: tuning needs a hook after every step (freezing) and after every epoch (validation).</para>
/// </remarks>
public static class FineTuner
{
    /// <summary>Tunes <paramref name="session"/>'s parameters in place (they must already hold the global model's shared tensors).</summary>
    /// <param name="session">The node's session: its data, and its parameters (shared loaded, local from its state).</param>
    /// <param name="options">Epochs, what is tuned, early stopping and the optimiser.</param>
    /// <param name="seed">Seeds the shuffles (and dropout masks); keep the node's seed.</param>
    /// <param name="epochDone">Called after each epoch with its number and validation loss (NaN without validation rows).</param>
    /// <param name="cancellationToken">Checked before every step; on cancellation the parameters are left mid-way and nothing is kept.</param>
    /// <returns>What was run and kept.</returns>
    /// <exception cref="ArgumentException">An option is out of its bounds.</exception>
    /// <exception cref="InvalidOperationException">The node has no training rows.</exception>
    public static FineTuneResult Run(NodeTrainingSession session, FineTuneOptions options, int seed, Action<int, double>? epochDone = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var data = session.Data;
        if (data.Split.Train.Length == 0)
        {
            throw new InvalidOperationException("the node has no training examples to fine-tune on");
        }

        var model = session.Model;
        var parameters = session.Parameters;
        var frozen = options.TuneShared ? null : new FrozenShared(model, parameters);
        using var trainer = new MultiTaskTrainer(model, parameters, new TrainerOptions
        {
            Optimizer = new OptimizerOptions { Kind = options.Optimizer, LearningRate = options.LearningRate },
            MaxBatchSize = options.BatchSize,
            Seed = seed,
        });
        var batch = new Batch(model.Spec, options.BatchSize);
        var validated = data.Split.Validation.Length > 0;
        var losses = new List<double>();
        var stopping = new EarlyStopping(higherIsBetter: false, options.Patience);
        float[]? best = null;
        if (validated)
        {
            losses.Add(ValidationLoss(trainer, batch, data));
            stopping.Observe(0, losses[0]);
            best = (float[])parameters.Values.Clone();
        }

        var order = (int[])data.Split.Train.Clone();
        var random = new Xoshiro256StarStar(unchecked((seed * 1_000_003) + 7919), threadSafe: false);
        var epochs = 0;
        while (epochs < options.Epochs && !stopping.ShouldStop)
        {
            LocalTrainingLoop.Shuffle(order, random);
            for (var start = 0; start < order.Length; start += options.BatchSize)
            {
                cancellationToken.ThrowIfCancellationRequested();
                batch.Clear();
                data.Table.Fill(batch, order.AsSpan(start, Math.Min(options.BatchSize, order.Length - start)), data.Standardizer);
                trainer.Step(batch);
                frozen?.Restore(parameters, batch);
            }

            epochs++;
            var loss = double.NaN;
            if (validated)
            {
                loss = ValidationLoss(trainer, batch, data);
                losses.Add(loss);
                if (stopping.Observe(epochs, loss))
                {
                    parameters.Values.CopyTo(best!, 0);
                }
            }

            epochDone?.Invoke(epochs, loss);
        }

        var kept = epochs;
        if (validated && stopping.BestRound >= 0)
        {
            kept = stopping.BestRound;
            best!.CopyTo(parameters.Values, 0);
        }

        return new FineTuneResult(epochs, kept, losses, trainer.Steps);
    }

    /// <summary>Σ_t w_t·(mean loss of task t over its labelled validation rows), without dropout; tasks without labels count 0.</summary>
    private static double ValidationLoss(MultiTaskTrainer trainer, Batch batch, NodeDataset data)
    {
        var tasks = data.Spec.Tasks;
        var sums = new double[tasks.Count];
        var counts = new long[tasks.Count];
        var taskLosses = new double[tasks.Count];
        var rows = data.Split.Validation;
        for (var start = 0; start < rows.Length; start += batch.Capacity)
        {
            batch.Clear();
            data.Table.Fill(batch, rows.AsSpan(start, Math.Min(batch.Capacity, rows.Length - start)), data.Standardizer);
            trainer.EvaluateLoss(batch, taskLosses);
            for (var t = 0; t < tasks.Count; t++)
            {
                var labelled = 0;
                foreach (var y in batch.Labels(t)[..batch.Count])
                {
                    labelled += float.IsNaN(y) ? 0 : 1;
                }

                if (labelled > 0)
                {
                    sums[t] += taskLosses[t] * labelled;
                    counts[t] += labelled;
                }
            }
        }

        var loss = 0.0;
        for (var t = 0; t < tasks.Count; t++)
        {
            loss += counts[t] == 0 ? 0 : tasks[t].Weight * sums[t] / counts[t];
        }

        return loss;
    }

    /// <summary>The shared values before tuning, and what a step can have changed of them.</summary>
    private sealed class FrozenShared
    {
        private readonly float[] _values;
        private readonly TensorInfo[] _dense;
        private readonly (int Field, TensorInfo Table, bool MultiValued)[] _tables;

        public FrozenShared(CompiledModel model, ParameterSet parameters)
        {
            _values = (float[])parameters.Values.Clone();
            _dense = [.. model.Layout.Tensors.Where(t => t.Scope == ParameterScope.Shared && t.Kind != TensorKind.Embedding)];
            var fields = model.Spec.Fields;
            _tables = [.. Enumerable.Range(0, fields.Count)
                .Where(f => fields[f].Scope == ParameterScope.Shared)
                .Select(f => (f, model.Layout[TensorNames.Embedding(fields[f].Name)], fields[f].MultiValued))];
        }

        /// <summary>Puts back every shared dense tensor and every shared embedding row <paramref name="batch"/> looked up (the only rows a step updates).</summary>
        public void Restore(ParameterSet parameters, Batch batch)
        {
            var values = parameters.Values;
            foreach (var tensor in _dense)
            {
                _values.AsSpan(tensor.Offset, tensor.Length).CopyTo(values.AsSpan(tensor.Offset, tensor.Length));
            }

            foreach (var (field, table, multiValued) in _tables)
            {
                var ids = batch.Ids(field);
                var count = multiValued ? batch.BagOffsets(field)[batch.Count] : batch.Count;
                var stride = table.Columns;
                for (var k = 0; k < count; k++)
                {
                    var offset = table.Offset + (ids[k] * stride);
                    _values.AsSpan(offset, stride).CopyTo(values.AsSpan(offset, stride));
                }
            }
        }
    }
}
