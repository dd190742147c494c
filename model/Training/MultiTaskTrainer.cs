using System.Numerics.Tensors;
using Federated.Model.Network;
using Federated.Model.Optimization;
using Federated.Model.Parameters;
using Federated.Model.Spec;

namespace Federated.Model.Training;

/// <summary>
/// Trains a <see cref="ModelSpec"/>'s network in place on a <see cref="ParameterSet"/>, one batch per <see cref="Step"/>.
/// </summary>
/// <remarks>
/// <para>Objective: L = Σ_t w_t·L_t with L_t the mean loss of task t over the batch's labelled examples (log-loss for
/// binary tasks, squared error for regression), or Σ_t (e^(−s_t)·w_t·L_t + s_t) with uncertainty weighting; plus
/// ½λ‖W‖² over weight matrices and the embedding rows of the batch; plus, when a proximal reference θ_g is set
/// (FedProx, Li et al. 2020), ½μ‖θ − θ_g‖² over shared tensors (for embedding tables: the rows of the batch).</para>
/// <para>Gradients come from explicit backward passes. Weights and biases get dense gradients; embedding tables get
/// row-sparse gradients and lazy updates, so a step costs O(rows in the batch), not O(table). With
/// <see cref="TrainerOptions.Threads"/> &gt; 1 each batch is split into contiguous chunks, one per replica of the
/// network, and their gradients are summed in replica order: results are deterministic for a given thread count.
/// No allocation per step once the buffers exist.</para>
/// </remarks>
public sealed partial class MultiTaskTrainer : IDisposable
{
    private readonly ModelSpec _spec;
    private readonly MultiTaskNetwork[] _replicas;
    private readonly ReplicaWorkers _workers;
    private readonly Optimizer _optimizer;
    private readonly TensorInfo[] _tables;
    private readonly TensorInfo[] _weights;
    private readonly TensorInfo[] _sharedDense;
    private readonly TensorInfo?[] _uncertainty;
    private readonly RowSet[] _touched;
    private readonly int[] _labelled;
    private readonly float[] _scales;
    private readonly double[][] _lossSums;
    private readonly float[] _proximalScratch;
    private readonly Action<int> _trainReplica;
    private readonly Action<int> _predictReplica;
    private ParameterSet? _proximalReference;
    private float _proximalMu;
    private Batch? _batch;
    private float[][]? _predictions;
    private int _chunk;
    private bool _training;
    private ModelSpec? _acceptedSpec;

    /// <summary>A trainer that updates <paramref name="parameters"/> in place; compiles <paramref name="spec"/> first.</summary>
    public MultiTaskTrainer(ModelSpec spec, ParameterSet parameters, TrainerOptions options)
        : this(CompiledModel.Compile(spec), parameters, options)
    {
    }

    /// <summary>A trainer that updates <paramref name="parameters"/> (over <paramref name="model"/>'s full layout) in place.</summary>
    public MultiTaskTrainer(CompiledModel model, ParameterSet parameters, TrainerOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var spec = model.Spec;
        var layout = model.Layout;
        if (layout.Fingerprint != parameters.Layout.Fingerprint)
        {
            throw new ArgumentException("the parameters do not have the layout of the spec", nameof(parameters));
        }

        _spec = spec;
        Parameters = parameters;
        Options = options;
        var maxRows = (options.MaxBatchSize + options.Threads - 1) / options.Threads;
        _replicas = new MultiTaskNetwork[options.Threads];
        for (var r = 0; r < _replicas.Length; r++)
        {
            _replicas[r] = new MultiTaskNetwork(spec, parameters.Layout, maxRows, ReplicaSeed(options.Seed, r));
        }

        _workers = new ReplicaWorkers(options.Threads);
        _optimizer = Optimizer.Create(options.Optimizer, layout.TotalLength);
        _tables = new TensorInfo[spec.Fields.Count];
        _touched = new RowSet[spec.Fields.Count];
        for (var f = 0; f < _tables.Length; f++)
        {
            _tables[f] = layout[TensorNames.Embedding(spec.Fields[f].Name)];
            _touched[f] = new RowSet(spec.Fields[f].Rows);
        }

        _weights = [.. layout.Tensors.Where(t => t.Kind == TensorKind.Weight)];
        _sharedDense = [.. layout.Tensors.Where(t => t.Kind != TensorKind.Embedding && t.Scope == ParameterScope.Shared)];
        _uncertainty = new TensorInfo?[spec.Tasks.Count];
        if (spec.UncertaintyWeighting)
        {
            for (var t = 0; t < _uncertainty.Length; t++)
            {
                _uncertainty[t] = layout[TensorNames.Uncertainty(spec.Tasks[t].Name)];
            }
        }

        _labelled = new int[spec.Tasks.Count];
        _scales = new float[spec.Tasks.Count];
        _lossSums = new double[options.Threads][];
        for (var r = 0; r < _lossSums.Length; r++)
        {
            _lossSums[r] = new double[spec.Tasks.Count];
        }

        _proximalScratch = new float[Math.Max(layout.DenseLength, MaxDim(spec))];
        _trainReplica = TrainReplica;
        _predictReplica = PredictReplica;
    }

    /// <summary>The parameters being trained (updated in place).</summary>
    public ParameterSet Parameters { get; }

    /// <summary>The settings.</summary>
    public TrainerOptions Options { get; }

    /// <summary>Number of optimiser steps taken since construction or the last <see cref="ResetOptimizer"/>.</summary>
    public long Steps => _optimizer.Step;

    /// <summary>
    /// Rows of field <paramref name="field"/>'s embedding table that training has touched since the last
    /// <see cref="ClearTouchedRows"/>: the only rows whose values changed, hence the rows a sparse update sends.
    /// </summary>
    public RowSet TouchedRows(int field) => _touched[field];

    /// <summary>Forgets the touched rows (at the start of a federated round).</summary>
    public void ClearTouchedRows()
    {
        foreach (var rows in _touched)
        {
            rows.Clear();
        }
    }

    /// <summary>Forgets the optimiser's state (moments and step count).</summary>
    public void ResetOptimizer() => _optimizer.Reset();

    /// <summary>
    /// Sets (or with null clears) the FedProx reference θ_g and coefficient μ ≥ 0: shared tensors are pulled towards
    /// θ_g by the gradient μ(θ − θ_g). <paramref name="reference"/> is read, not copied, on every step.
    /// </summary>
    public void SetProximalTerm(ParameterSet? reference, float mu)
    {
        if (reference is not null && reference.Layout.Fingerprint != Parameters.Layout.Fingerprint)
        {
            throw new ArgumentException("the proximal reference does not have the trainer's layout", nameof(reference));
        }

        if (!float.IsFinite(mu) || mu < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(mu), mu, "μ must be finite and ≥ 0");
        }

        _proximalReference = reference;
        _proximalMu = reference is null ? 0 : mu;
    }

    /// <summary>
    /// One optimiser step on <paramref name="batch"/>. Writes each task's mean loss over its labelled examples into
    /// <paramref name="taskLosses"/> (NaN for a task without labels) when it is not empty, and returns the objective
    /// without the L2 and proximal terms.
    /// </summary>
    public double Step(Batch batch, Span<double> taskLosses = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        RequireBatch(batch);
        if (batch.Count == 0)
        {
            throw new ArgumentException("the batch is empty", nameof(batch));
        }

        var parameters = Parameters.Values;
        PrepareScales(batch);
        _training = true;
        Run(batch, _trainReplica);
        var main = _replicas[0];
        var gradients = main.DenseGradients.AsSpan();
        for (var r = 1; r < _replicas.Length; r++)
        {
            TensorPrimitives.Add(gradients, _replicas[r].DenseGradients, gradients);
            for (var f = 0; f < _tables.Length; f++)
            {
                main.RowGradients[f].Add(_replicas[r].RowGradients[f]);
                _replicas[r].RowGradients[f].Clear();
            }
        }

        var objective = ReduceLosses(taskLosses, gradients);
        AddRegularisation(gradients);
        _optimizer.BeginStep();
        _optimizer.UpdateDense(parameters.AsSpan(0, gradients.Length), gradients, 0);
        for (var f = 0; f < _tables.Length; f++)
        {
            var rows = main.RowGradients[f];
            AddRowRegularisation(f, rows);
            var table = _tables[f];
            _optimizer.UpdateRows(parameters.AsSpan(table.Offset, table.Length), table.Columns, rows.Rows, rows.Values, table.Offset);
            foreach (var row in rows.Rows)
            {
                _touched[f].Add(row);
            }

            rows.Clear();
        }

        return objective;
    }

    /// <summary>
    /// The objective of <see cref="Step"/> on <paramref name="batch"/> at the current parameters, without dropout and
    /// without changing anything; per-task mean losses go to <paramref name="taskLosses"/> when it is not empty.
    /// </summary>
    public double EvaluateLoss(Batch batch, Span<double> taskLosses = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        RequireBatch(batch);
        if (batch.Count == 0)
        {
            throw new ArgumentException("the batch is empty", nameof(batch));
        }

        PrepareScales(batch);
        _training = false;
        Run(batch, _trainReplica);
        return ReduceLosses(taskLosses, default);
    }

    /// <summary>
    /// Predicts every task for every example of <paramref name="batch"/> without dropout: predictions[t][i] is a
    /// probability for binary tasks and a value for regression tasks. Each array must hold at least batch.Count floats.
    /// </summary>
    public void Predict(Batch batch, float[][] predictions)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(predictions);
        RequireBatch(batch);
        if (predictions.Length != _spec.Tasks.Count || Array.Exists(predictions, p => p is null || p.Length < batch.Count))
        {
            throw new ArgumentException($"predictions needs {_spec.Tasks.Count} arrays of at least {batch.Count} floats", nameof(predictions));
        }

        _predictions = predictions;
        try
        {
            Run(batch, _predictReplica);
        }
        finally
        {
            _predictions = null;
        }
    }

    /// <inheritdoc />
    public void Dispose() => _workers.Dispose();

    private void PrepareScales(Batch batch)
    {
        var parameters = Parameters.Values;
        for (var t = 0; t < _labelled.Length; t++)
        {
            var labels = batch.Labels(t)[..batch.Count];
            var count = 0;
            foreach (var y in labels)
            {
                count += float.IsNaN(y) ? 0 : 1;
            }

            _labelled[t] = count;
            var weight = _spec.Tasks[t].Weight;
            if (_uncertainty[t] is { } s)
            {
                weight *= MathF.Exp(-parameters[s.Offset]);
            }

            _scales[t] = count == 0 ? 0 : weight / count;
        }
    }

    private void Run(Batch batch, Action<int> work)
    {
        _batch = batch;
        _chunk = (batch.Count + _replicas.Length - 1) / _replicas.Length;
        try
        {
            _workers.Run(work);
        }
        finally
        {
            _batch = null;
        }
    }

    /// <summary>Sums the replicas' loss sums into the objective; with gradients, adds the uncertainty terms' gradients.</summary>
    private double ReduceLosses(Span<double> taskLosses, Span<float> gradients)
    {
        var parameters = Parameters.Values;
        var objective = 0.0;
        for (var t = 0; t < _labelled.Length; t++)
        {
            var sum = 0.0;
            for (var r = 0; r < _replicas.Length; r++)
            {
                sum += _lossSums[r][t];
            }

            var mean = _labelled[t] == 0 ? double.NaN : sum / _labelled[t];
            if (!taskLosses.IsEmpty)
            {
                taskLosses[t] = mean;
            }

            if (_labelled[t] == 0)
            {
                continue;
            }

            var weighted = _spec.Tasks[t].Weight * mean;
            if (_uncertainty[t] is { } s)
            {
                var logVariance = parameters[s.Offset];
                var scaled = Math.Exp(-logVariance) * weighted;
                objective += scaled + logVariance;
                if (!gradients.IsEmpty)
                {
                    gradients[s.Offset] += (float)(1 - scaled);
                }
            }
            else
            {
                objective += weighted;
            }
        }

        return objective;
    }

    private void TrainReplica(int replica)
    {
        var network = _replicas[replica];
        var sums = _lossSums[replica];
        Array.Clear(sums);
        Array.Clear(network.DenseGradients);
        var batch = _batch!;
        var start = replica * _chunk;
        var n = Math.Min(_chunk, batch.Count - start);
        if (n <= 0)
        {
            return;
        }

        var parameters = Parameters.Values;
        network.Forward(parameters, batch, start, n, training: _training);
        network.Loss(batch, start, n, _scales, sums);
        if (_training)
        {
            network.Backward(parameters, batch, start, n);
        }
    }

    private void PredictReplica(int replica)
    {
        var network = _replicas[replica];
        var batch = _batch!;
        var from = replica * _chunk;
        var to = Math.Min(batch.Count, from + _chunk);
        for (var start = from; start < to; start += network.MaxRows)
        {
            var n = Math.Min(network.MaxRows, to - start);
            network.Forward(Parameters.Values, batch, start, n, training: false);
            for (var t = 0; t < _spec.Tasks.Count; t++)
            {
                network.Predict(t, _predictions![t].AsSpan(start, n), n);
            }
        }
    }

    // A fixed mix (HashCode.Combine is randomised per process), so dropout masks repeat across runs.
    private static int ReplicaSeed(int seed, int replica) => unchecked((seed * 31) + replica + 1);
}
