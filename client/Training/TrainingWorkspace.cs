using Federated.Client.Data;
using Federated.Client.Training.Updates;
using Federated.Model.Metrics;
using Federated.Model.Parameters;
using Federated.Model.Spec;
using Federated.Model.Training;

namespace Federated.Client.Training;

/// <summary>
/// The machinery that trains: one full <see cref="ParameterSet"/>, a <see cref="MultiTaskTrainer"/> and batch
/// buffers, lent to one <see cref="LocalClient"/> at a time. A simulation keeps one per worker thread, so N clients
/// cost N compact local states, not N models.
/// </summary>
/// <remarks>
/// <para>
/// Per <see cref="Train"/>: lend the buffer to the client (shared tensors brought to the given global version, the
/// client's local state restored unless the workspace still holds it), run the assignment's local epochs exactly as
/// <see cref="NodeTrainingSession.Train"/> does (fresh optimiser, FedProx μ, shuffles seeded by the client's seed and
/// the round), prepare the update through the node's update pipeline built from the plan (compute Δ over shared
/// tensors, clip, then any <see cref="NodeTrainingOptions.ExtraUpdateTransforms"/>), save the local state back, return
/// the update. Results are bit-identical to the client trained through its own session, whichever workspace runs it.
/// </para>
/// <para>
/// Shared tensors are refreshed incrementally (only what training changed since the last lending), so a (global,
/// version) pair must not change while it is used: after updating a global in place, pass the new version.
/// </para>
/// <para>
/// Not thread-safe: one thread per workspace. Many workspaces may read one global concurrently. The parts: the
/// buffer's lending (<see cref="WorkspaceBuffer"/>), the epoch loop (<see cref="LocalTrainingLoop"/>), inference
/// (<see cref="LocalEvaluator"/>) and the update steps (<see cref="NodeUpdatePipelineBuilder"/>).
/// </para>
/// </remarks>
public sealed class TrainingWorkspace : IDisposable
{
    private readonly CompiledModel _model;
    private readonly ModelSpec _spec;
    private readonly WorkspaceBuffer _buffer;
    private readonly LocalTrainingLoop _loop;
    private readonly LocalEvaluator _evaluator;
    private readonly NodeUpdatePipelineBuilder _updates;

    /// <summary>A workspace for <paramref name="model"/>: one buffer of its full layout, zeroed until lent.</summary>
    /// <param name="model">The run's model, compiled once by the caller (a pool's workspaces share one instance).</param>
    /// <param name="options">
    /// Optimiser kind, trainer threads (1 for a worker pool), evaluation batch size, metric bins and extra update
    /// steps; its <see cref="NodeTrainingOptions.Seed"/> is not used (each client brings its own). Defaults when null.
    /// </param>
    public TrainingWorkspace(CompiledModel model, NodeTrainingOptions? options = null)
        : this(model, new ParameterSet((model ?? throw new ArgumentNullException(nameof(model))).Layout), options, incrementalShared: true)
    {
    }

    /// <summary>A workspace for <paramref name="spec"/>'s model, compiled here (see <see cref="TrainingWorkspace(CompiledModel, NodeTrainingOptions?)"/>).</summary>
    /// <param name="spec">The run's model spec.</param>
    /// <param name="options">As for the compiled overload.</param>
    public TrainingWorkspace(ModelSpec spec, NodeTrainingOptions? options = null)
        : this(CompiledModel.Compile(spec ?? throw new ArgumentNullException(nameof(spec))), options)
    {
    }

    /// <summary>A workspace over existing parameters (a session's own, of <paramref name="model"/>'s full layout), which it trains in place.</summary>
    internal TrainingWorkspace(CompiledModel model, ParameterSet parameters, NodeTrainingOptions? options, bool incrementalShared)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(parameters);
        options ??= new NodeTrainingOptions();
        _model = model;
        _spec = model.Spec;
        _buffer = new WorkspaceBuffer(model, parameters, incrementalShared);
        _loop = new LocalTrainingLoop(model, parameters, options.Threads);
        _evaluator = new LocalEvaluator(model, parameters, options);
        _updates = NodeUpdatePipelineBuilder.For(options);
    }

    /// <summary>The compiled model the workspace trains.</summary>
    public CompiledModel Model => _model;

    /// <summary>The model's spec.</summary>
    public ModelSpec Spec => _spec;

    /// <summary>
    /// The buffer: after <see cref="Train"/> or <see cref="Evaluate"/> it holds that client's model (the trained one,
    /// after Train) until the workspace is lent again. Rows of local tables the client does not own hold anything.
    /// </summary>
    public ParameterSet Parameters => _buffer.Parameters;

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
        _buffer.Lend(client, global, assignment.ModelVersion);
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
        _buffer.Lend(client, global, modelVersion);
        return EvaluateLent(client.Data, part);
    }

    /// <summary>
    /// <paramref name="client"/>'s raw predictions (the given shared version, its local state) on a part of its split, and
    /// the rows' labels, in the part's row order: what an ensemble of models averages before it computes metrics.
    /// </summary>
    /// <param name="client">The client.</param>
    /// <param name="global">The shared parameters; only shared tensors are read.</param>
    /// <param name="modelVersion">Their version.</param>
    /// <param name="part">Which part.</param>
    /// <param name="predictions">Per task, at least <see cref="RowCount"/> long: regression values, binary probabilities.</param>
    /// <param name="labels">Per task, at least <see cref="RowCount"/> long: the labels as the metric summaries read them.</param>
    /// <exception cref="ModelDivergedException">A prediction is not finite.</exception>
    public void Predict(LocalClient client, ParameterSet global, long modelVersion, DataPart part, float[][] predictions, float[][] labels)
    {
        _buffer.Lend(client, global, modelVersion);
        _evaluator.Predict(client.Data, part, predictions, labels);
    }

    /// <summary>The number of rows in a part of <paramref name="data"/>'s split.</summary>
    public static int RowCount(NodeDataset data, DataPart part) => LocalEvaluator.Rows(data, part).Length;

    /// <inheritdoc/>
    public void Dispose()
    {
        _loop.Dispose();
        _evaluator.Dispose();
    }

    /// <summary>Copies every shared tensor of <paramref name="global"/> (a session's <c>LoadShared</c>).</summary>
    internal void CopyShared(ParameterSet global, long modelVersion) => _buffer.CopyShared(global, modelVersion);

    /// <summary>Trains on the buffer as it is: shared tensors at <paramref name="global"/>, the client's local state in place.</summary>
    internal LocalUpdate TrainLent(LocalClient client, TrainingAssignment assignment, ParameterSet global, CancellationToken cancellationToken)
    {
        var rows = client.Data.Split.Train;
        if (rows.Length == 0)
        {
            throw new InvalidOperationException("the node has no training examples");
        }

        var plan = assignment.Plan;
        var trainer = _loop.Prepare(client.Seed, plan, global);
        var saved = false;
        try
        {
            _loop.Run(trainer, client, assignment, cancellationToken);
            var steps = trainer.Steps;
            var pipeline = _updates.Build(plan);
            var context = new NodeUpdateContext(
                plan, assignment.Round, assignment.ModelVersion, global, Parameters, LocalTrainingLoop.TouchedRows(_spec, trainer, ParameterScope.Shared));
            var delta = pipeline.Run(context);
            var norm = context.NormBeforeClip ?? delta.L2Norm();

            client.State.Save(Parameters, assignment.ModelVersion, assignment.Round, LocalTrainingLoop.TouchedRows(_spec, trainer, ParameterScope.Local));
            _buffer.MarkSaved(client);
            saved = true;
            return new LocalUpdate(
                assignment.Round,
                assignment.ModelVersion,
                delta,
                norm,
                rows.Length,
                CountLabelled(client.Data, rows),
                EvaluateLent(client.Data, DataPart.Train),
                steps)
            {
                Transforms = pipeline.Names,
            };
        }
        finally
        {
            LocalTrainingLoop.Release(trainer);
            _buffer.MarkTrained(trainer);
            if (!saved)
            {
                _buffer.ForgetClient();
            }
        }
    }

    /// <summary>The buffer's predictions, as it is, on a part of <paramref name="data"/>'s split (see <see cref="Predict"/>).</summary>
    internal void PredictLent(NodeDataset data, DataPart part, float[][] predictions, float[][] labels) => _evaluator.Predict(data, part, predictions, labels);

    /// <summary>Evaluates the buffer as it is on a part of <paramref name="data"/>'s split.</summary>
    internal IReadOnlyList<TaskMetrics> EvaluateLent(NodeDataset data, DataPart part) => _evaluator.Evaluate(data, part);

    /// <summary>The inference trainer (no optimiser state is used), its batch and prediction buffers.</summary>
    internal (MultiTaskTrainer Trainer, Batch Batch, float[][] Predictions) Inference() => _evaluator.Inference();

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
}
