using Federated.Client.Data;
using Federated.Model.Metrics;
using Federated.Model.Optimization;
using Federated.Model.Parameters;
using Federated.Model.Spec;
using Federated.Model.Training;
using Federated.Model.Updates;
using MathNet.Numerics.Random;

namespace Federated.Client.Training;

/// <summary>
/// The machinery that trains: one full <see cref="ParameterSet"/>, a <see cref="MultiTaskTrainer"/> and batch
/// buffers, lent to one <see cref="LocalClient"/> at a time. A simulation keeps one per worker thread, so N clients
/// cost N compact local states, not N models.
/// </summary>
/// <remarks>
/// <para>
/// Per <see cref="Train"/>: bring the buffer's shared tensors to the given global version, restore the client's
/// local state (skipped when the workspace still holds it from the client's previous round), run the assignment
/// exactly as <see cref="NodeTrainingSession.Train"/> does (fresh optimiser, FedProx μ, shuffles seeded by the
/// client's seed and the round), compute Δ over shared tensors only, save the local state back, return the update.
/// Results are bit-identical to the client trained through its own session, whichever workspace runs it.
/// </para>
/// <para>
/// Shared tensors are refreshed incrementally: the workspace remembers the global (instance and version) it last
/// copied and which shared rows training changed since, and restores only those rows and the small shared dense
/// tensors; a new instance or version is copied in full. So a (global, version) pair must not change while it is
/// used: after updating a global in place, pass the new version.
/// </para>
/// <para>
/// Not thread-safe: one thread per workspace. Many workspaces may read one global concurrently. The trainer is
/// reused across clients when the spec has no dropout and the optimiser settings are unchanged; with dropout it is
/// rebuilt per round so that each client's masks restart from its own seed.
/// </para>
/// </remarks>
public sealed class TrainingWorkspace : IDisposable
{
    private readonly ModelSpec _spec;
    private readonly NodeTrainingOptions _options;
    private readonly bool _incrementalShared;
    private readonly TensorInfo[] _sharedDense;
    private readonly int[] _sharedFields;
    private readonly int[][] _dirtyRows;
    private MultiTaskTrainer? _trainer;
    private Batch? _batch;
    private MultiTaskTrainer? _inference;
    private Batch? _inferenceBatch;
    private float[][]? _predictions;
    private ParameterSet? _syncedGlobal;
    private long _syncedVersion;
    private bool _sharedDenseDirty;
    private LocalClient? _loaded;

    /// <summary>A workspace for <paramref name="spec"/>'s model.</summary>
    /// <param name="spec">The run's model.</param>
    /// <param name="options">
    /// Optimiser kind, trainer threads (1 for a worker pool), evaluation batch size and metric bins; its
    /// <see cref="NodeTrainingOptions.Seed"/> is not used (each client brings its own). Defaults when null.
    /// </param>
    public TrainingWorkspace(ModelSpec spec, NodeTrainingOptions? options = null)
        : this(spec, new ParameterSet(ParameterLayout.FromSpec(spec ?? throw new ArgumentNullException(nameof(spec)))), options, incrementalShared: true)
    {
    }

    /// <summary>A workspace over existing parameters (a session's own), which it trains in place.</summary>
    internal TrainingWorkspace(ModelSpec spec, ParameterSet parameters, NodeTrainingOptions? options, bool incrementalShared)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(parameters);
        _spec = spec;
        _options = options ?? new NodeTrainingOptions();
        _incrementalShared = incrementalShared;
        Parameters = parameters;
        var layout = parameters.Layout;
        _sharedDense = [.. layout.InScope(ParameterScope.Shared).Where(t => t.Kind != TensorKind.Embedding)];
        _sharedFields = [.. Enumerable.Range(0, spec.Fields.Count).Where(f => spec.Fields[f].Scope == ParameterScope.Shared)];
        _dirtyRows = new int[spec.Fields.Count][];
        Array.Fill(_dirtyRows, Array.Empty<int>());
    }

    /// <summary>The model.</summary>
    public ModelSpec Spec => _spec;

    /// <summary>
    /// The buffer: after <see cref="Train"/> or <see cref="Evaluate"/> it holds that client's model (the trained one,
    /// after Train) until the workspace is lent again. Rows of local tables the client does not own hold anything.
    /// </summary>
    public ParameterSet Parameters { get; }

    /// <summary>Runs one assignment for <paramref name="client"/> on this workspace.</summary>
    /// <param name="client">The client; its local state is restored, trained and saved back.</param>
    /// <param name="assignment">Round, version and training configuration.</param>
    /// <param name="global">The shared parameters of <see cref="TrainingAssignment.ModelVersion"/>; only shared tensors are read; not modified.</param>
    /// <param name="cancellationToken">Checked between steps; on cancellation nothing is saved.</param>
    /// <returns>The update and its metadata.</returns>
    /// <exception cref="InvalidOperationException">The client has no training examples, or its store cannot restore a complete state.</exception>
    /// <exception cref="ArgumentException">The client's or the global's model differs from the workspace's.</exception>
    public LocalUpdate Train(LocalClient client, TrainingAssignment assignment, ParameterSet global, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(assignment);
        assignment.Validate();
        Lend(client, global, assignment.ModelVersion);
        return TrainLent(client, assignment, global, cancellationToken);
    }

    /// <summary>Evaluates <paramref name="client"/>'s model (the given shared version, its local state) on a part of its split.</summary>
    /// <param name="client">The client.</param>
    /// <param name="global">The shared parameters; only shared tensors are read.</param>
    /// <param name="modelVersion">Their version.</param>
    /// <param name="part">Which part; default validation.</param>
    /// <returns>One mergeable summary per task, in the model's task order.</returns>
    public IReadOnlyList<TaskMetrics> Evaluate(LocalClient client, ParameterSet global, long modelVersion, DataPart part = DataPart.Validation)
    {
        Lend(client, global, modelVersion);
        return EvaluateLent(client.Data, part);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _trainer?.Dispose();
        _inference?.Dispose();
    }

    /// <summary>Copies every shared tensor of <paramref name="global"/> (a session's <c>LoadShared</c>).</summary>
    internal void CopyShared(ParameterSet global, long modelVersion)
    {
        Parameters.CopyScopeFrom(global, ParameterScope.Shared);
        _syncedGlobal = global;
        _syncedVersion = modelVersion;
        _sharedDenseDirty = false;
        Array.Fill(_dirtyRows, Array.Empty<int>());
    }

    /// <summary>Trains on the buffer as it is: shared tensors at <paramref name="global"/>, the client's local state in place.</summary>
    internal LocalUpdate TrainLent(LocalClient client, TrainingAssignment assignment, ParameterSet global, CancellationToken cancellationToken)
    {
        var data = client.Data;
        var rows = data.Split.Train;
        if (rows.Length == 0)
        {
            throw new InvalidOperationException("the node has no training examples");
        }

        var plan = assignment.Plan;
        var trainer = Trainer(new TrainerOptions
        {
            Optimizer = new OptimizerOptions { Kind = plan.Optimizer, LearningRate = plan.LearningRate },
            MaxBatchSize = plan.BatchSize,
            Threads = Math.Min(_options.Threads, plan.BatchSize),
            Seed = client.Seed,
        });
        trainer.ResetOptimizer();
        trainer.ClearTouchedRows();
        trainer.SetProximalTerm(plan.ProximalMu > 0 ? global : null, plan.ProximalMu);
        var batch = TrainingBatch(plan.BatchSize);
        var order = (int[])rows.Clone();
        var random = new Xoshiro256StarStar(unchecked((client.Seed * 1_000_003) + (int)assignment.Round), threadSafe: false);
        var saved = false;
        try
        {
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

            var steps = trainer.Steps;
            var delta = ModelDelta.Compute(global, Parameters, ParameterScope.Shared, plan.SparseEmbeddings ? TouchedRows(trainer, ParameterScope.Shared) : null);
            var norm = delta.L2Norm();
            if (plan.ClipNorm > 0)
            {
                delta.ClipTo(plan.ClipNorm);
            }

            client.State.Save(Parameters, assignment.ModelVersion, assignment.Round, TouchedRows(trainer, ParameterScope.Local));
            saved = true;
            return new LocalUpdate(
                assignment.Round,
                assignment.ModelVersion,
                delta,
                norm,
                rows.Length,
                CountLabelled(data, rows),
                EvaluateLent(data, DataPart.Train),
                steps);
        }
        finally
        {
            trainer.SetProximalTerm(null, 0);
            MarkSharedDirty(trainer);
            if (!saved)
            {
                // The buffer's local tensors were changed but not saved: the next lending must restore them.
                _loaded = null;
            }
        }
    }

    /// <summary>Evaluates the buffer as it is on a part of <paramref name="data"/>'s split.</summary>
    internal IReadOnlyList<TaskMetrics> EvaluateLent(NodeDataset data, DataPart part)
    {
        var rows = part switch
        {
            DataPart.Train => data.Split.Train,
            DataPart.Validation => data.Split.Validation,
            _ => data.Split.Test,
        };
        var tasks = _spec.Tasks;
        var binary = new BinaryMetricSummary?[tasks.Count];
        var regression = new RegressionMetricSummary?[tasks.Count];
        for (var t = 0; t < tasks.Count; t++)
        {
            if (tasks[t].Kind == TaskKind.Binary)
            {
                binary[t] = new BinaryMetricSummary(_options.MetricBins);
            }
            else
            {
                regression[t] = new RegressionMetricSummary();
            }
        }

        var (trainer, batch, predictions) = Inference();
        for (var start = 0; start < rows.Length; start += batch.Capacity)
        {
            batch.Clear();
            data.Table.Fill(batch, rows.AsSpan(start, Math.Min(batch.Capacity, rows.Length - start)), data.Standardizer);
            trainer.Predict(batch, predictions);
            for (var t = 0; t < tasks.Count; t++)
            {
                var p = predictions[t].AsSpan(0, batch.Count);
                var y = batch.Labels(t)[..batch.Count];
                binary[t]?.Add(p, y);
                regression[t]?.Add(p, y);
            }
        }

        var metrics = new TaskMetrics[tasks.Count];
        for (var t = 0; t < metrics.Length; t++)
        {
            metrics[t] = binary[t] is { } b ? new TaskMetrics(tasks[t].Name, b) : new TaskMetrics(tasks[t].Name, regression[t]!);
        }

        return metrics;
    }

    /// <summary>The inference trainer (no optimiser state is used), its batch and prediction buffers.</summary>
    internal (MultiTaskTrainer Trainer, Batch Batch, float[][] Predictions) Inference()
    {
        if (_inference is null)
        {
            var size = Math.Max(1, _options.EvaluationBatchSize);

            // Predict uses neither the optimiser nor dropout: SGD keeps no per-parameter state to allocate.
            _inference = new MultiTaskTrainer(_spec, Parameters, new TrainerOptions
            {
                Optimizer = new OptimizerOptions { Kind = OptimizerKind.Sgd },
                MaxBatchSize = size,
                Threads = Math.Min(_options.Threads, size),
            });
            _inferenceBatch = new Batch(_spec, size);
            _predictions = new float[_spec.Tasks.Count][];
            for (var t = 0; t < _predictions.Length; t++)
            {
                _predictions[t] = new float[size];
            }
        }

        return (_inference, _inferenceBatch!, _predictions!);
    }

    private void Lend(LocalClient client, ParameterSet global, long modelVersion)
    {
        ArgumentNullException.ThrowIfNull(client);
        RequireLayout(global);
        if (client.LayoutFingerprint != Parameters.Layout.Fingerprint)
        {
            throw new ArgumentException(
                $"the client's data is encoded for layout {client.LayoutFingerprint}, but this workspace's model has {Parameters.Layout.Fingerprint}", nameof(client));
        }

        SyncShared(global, modelVersion);
        if (!ReferenceEquals(_loaded, client))
        {
            _loaded = null;
            if (!client.State.RestoresCompleteState)
            {
                throw new InvalidOperationException(
                    "the client's local state store holds no complete state yet (a state file that does not exist), so it cannot be restored into a shared workspace");
            }

            client.State.TryLoad(Parameters);
            _loaded = client;
        }
    }

    private void SyncShared(ParameterSet global, long modelVersion)
    {
        if (!_incrementalShared || !ReferenceEquals(_syncedGlobal, global) || _syncedVersion != modelVersion)
        {
            CopyShared(global, modelVersion);
            return;
        }

        if (_sharedDenseDirty)
        {
            foreach (var tensor in _sharedDense)
            {
                global[tensor].CopyTo(Parameters[tensor]);
            }

            _sharedDenseDirty = false;
        }

        foreach (var f in _sharedFields)
        {
            var rows = _dirtyRows[f];
            if (rows.Length == 0)
            {
                continue;
            }

            var table = Parameters.Layout[TensorNames.Embedding(_spec.Fields[f].Name)];
            var dim = table.Columns;
            foreach (var row in rows)
            {
                var start = table.Offset + (row * dim);
                global.Values.AsSpan(start, dim).CopyTo(Parameters.Values.AsSpan(start, dim));
            }

            _dirtyRows[f] = [];
        }
    }

    /// <summary>Records what training changed in the shared tensors, so the next lending restores exactly that.</summary>
    private void MarkSharedDirty(MultiTaskTrainer trainer)
    {
        if (trainer.Steps == 0)
        {
            return;
        }

        _sharedDenseDirty = true;
        foreach (var f in _sharedFields)
        {
            var touched = trainer.TouchedRows(f);
            if (touched.Count == 0)
            {
                continue;
            }

            // Rows from an earlier lending not yet restored stay dirty too.
            var rows = touched.ToArray();
            _dirtyRows[f] = _dirtyRows[f].Length == 0 ? rows : [.. _dirtyRows[f].Union(rows)];
        }
    }

    private Dictionary<string, RowSet> TouchedRows(MultiTaskTrainer trainer, ParameterScope scope)
    {
        var touched = new Dictionary<string, RowSet>(StringComparer.Ordinal);
        for (var f = 0; f < _spec.Fields.Count; f++)
        {
            if (_spec.Fields[f].Scope == scope)
            {
                touched[TensorNames.Embedding(_spec.Fields[f].Name)] = trainer.TouchedRows(f);
            }
        }

        return touched;
    }

    private MultiTaskTrainer Trainer(TrainerOptions wanted)
    {
        // Without dropout the seed reaches nothing in the trainer, and ResetOptimizer + ClearTouchedRows make a used
        // trainer equal to a new one. With dropout the masks' stream must restart from the client's seed.
        if (_trainer is { } current && _spec.Dropout == 0 && current.Options == (wanted with { Seed = current.Options.Seed }))
        {
            return current;
        }

        _trainer?.Dispose();
        _trainer = new MultiTaskTrainer(_spec, Parameters, wanted);
        return _trainer;
    }

    private Batch TrainingBatch(int size)
    {
        if (_batch is null || _batch.Capacity != size)
        {
            _batch = new Batch(_spec, size);
        }

        return _batch;
    }

    private Dictionary<string, long> CountLabelled(NodeDataset data, int[] rows)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        for (var t = 0; t < _spec.Tasks.Count; t++)
        {
            long count = 0;
            foreach (var row in rows)
            {
                count += float.IsNaN(data.Table.Label(row, t)) ? 0 : 1;
            }

            counts[_spec.Tasks[t].Name] = count;
        }

        return counts;
    }

    private void RequireLayout(ParameterSet global)
    {
        ArgumentNullException.ThrowIfNull(global);
        if (global.Layout.Fingerprint != Parameters.Layout.Fingerprint)
        {
            throw new ArgumentException(
                $"the shared parameters have layout {global.Layout.Fingerprint}, but this node's model has {Parameters.Layout.Fingerprint}", nameof(global));
        }
    }

    private static void Shuffle(int[] order, Xoshiro256StarStar random)
    {
        for (var i = order.Length - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
    }
}
