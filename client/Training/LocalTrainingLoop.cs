using Federated.Model.Optimization;
using Federated.Model.Parameters;
using Federated.Model.Spec;
using Federated.Model.Training;
using MathNet.Numerics.Random;

namespace Federated.Client.Training;

/// <summary>
/// The local epoch loop of a workspace: its <see cref="MultiTaskTrainer"/> and training batch over the workspace's
/// buffer, configured per round from the assignment's plan (fresh optimiser, FedProx μ against the global, shuffles
/// seeded by the client's seed and the round).
/// </summary>
/// <remarks>
/// A round is <see cref="Prepare"/>, <see cref="Run"/>, then <see cref="Release"/> in a <c>finally</c> (also after a
/// cancelled run). The trainer is reused across clients when the spec has no dropout and the optimiser settings are
/// unchanged; with dropout it is rebuilt per round so that each client's masks restart from its own seed. Not thread-safe.
/// </remarks>
internal sealed class LocalTrainingLoop(CompiledModel model, ParameterSet parameters, int threads) : IDisposable
{
    private MultiTaskTrainer? _trainer;
    private Batch? _batch;

    /// <summary>The trainer for one round of <paramref name="plan"/>: fresh optimiser, no touched rows, proximal term set.</summary>
    /// <param name="seed">The client's seed (dropout masks).</param>
    /// <param name="plan">The round's plan.</param>
    /// <param name="global">The proximal term's reference when μ &gt; 0.</param>
    public MultiTaskTrainer Prepare(int seed, LocalTrainingPlan plan, ParameterSet global)
    {
        var trainer = Trainer(new TrainerOptions
        {
            Optimizer = new OptimizerOptions { Kind = plan.Optimizer, LearningRate = plan.LearningRate },
            MaxBatchSize = plan.BatchSize,
            Threads = Math.Min(threads, plan.BatchSize),
            Seed = seed,
        });
        trainer.ResetOptimizer();
        trainer.ClearTouchedRows();
        trainer.SetProximalTerm(plan.ProximalMu > 0 ? global : null, plan.ProximalMu);
        return trainer;
    }

    /// <summary>Runs the plan's epochs over <paramref name="client"/>'s training rows, each in a fresh shuffle.</summary>
    /// <param name="trainer">From <see cref="Prepare"/>.</param>
    /// <param name="client">The client lent the buffer.</param>
    /// <param name="assignment">Round (seeds the shuffle) and plan.</param>
    /// <param name="cancellationToken">Checked before every step.</param>
    public void Run(MultiTaskTrainer trainer, LocalClient client, TrainingAssignment assignment, CancellationToken cancellationToken)
    {
        var plan = assignment.Plan;
        var data = client.Data;
        var batch = TrainingBatch(plan.BatchSize);
        var order = (int[])data.Split.Train.Clone();
        var random = new Xoshiro256StarStar(unchecked((client.Seed * 1_000_003) + (int)assignment.Round), threadSafe: false);
        for (var epoch = 0; epoch < plan.LocalEpochs; epoch++)
        {
            Shuffle(order, random);
            for (var start = 0; start < order.Length; start += plan.BatchSize)
            {
                cancellationToken.ThrowIfCancellationRequested();
                batch.Clear();
                data.Table.Fill(batch, order.AsSpan(start, Math.Min(plan.BatchSize, order.Length - start)), data.Standardizer);
                trainer.Step(batch);
            }
        }
    }

    /// <summary>Ends a round: the trainer no longer holds the global as its proximal reference.</summary>
    public static void Release(MultiTaskTrainer trainer) => trainer.SetProximalTerm(null, 0);

    /// <summary>The rows <paramref name="trainer"/> touched per embedding tensor of <paramref name="scope"/>.</summary>
    public static Dictionary<string, RowSet> TouchedRows(ModelSpec spec, MultiTaskTrainer trainer, ParameterScope scope)
    {
        var touched = new Dictionary<string, RowSet>(StringComparer.Ordinal);
        for (var f = 0; f < spec.Fields.Count; f++)
        {
            if (spec.Fields[f].Scope == scope)
            {
                touched[TensorNames.Embedding(spec.Fields[f].Name)] = trainer.TouchedRows(f);
            }
        }

        return touched;
    }

    /// <inheritdoc/>
    public void Dispose() => _trainer?.Dispose();

    private MultiTaskTrainer Trainer(TrainerOptions wanted)
    {
        // Without dropout the seed reaches nothing in the trainer, and ResetOptimizer + ClearTouchedRows make a used
        // trainer equal to a new one. With dropout the masks' stream must restart from the client's seed.
        if (_trainer is { } current && model.Spec.Dropout == 0 && current.Options == (wanted with { Seed = current.Options.Seed }))
        {
            return current;
        }

        _trainer?.Dispose();
        _trainer = new MultiTaskTrainer(model, parameters, wanted);
        return _trainer;
    }

    private Batch TrainingBatch(int size)
    {
        if (_batch is null || _batch.Capacity != size)
        {
            _batch = new Batch(model.Spec, size);
        }

        return _batch;
    }

    /// <summary>Fisher–Yates shuffle of <paramref name="order"/> in place, drawing from <paramref name="random"/>.</summary>
    internal static void Shuffle(int[] order, Xoshiro256StarStar random)
    {
        for (var i = order.Length - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
    }
}
