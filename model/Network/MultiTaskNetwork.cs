using Federated.Model.Parameters;
using Federated.Model.Spec;
using Federated.Model.Training;

namespace Federated.Model.Network;

/// <summary>
/// One replica of the whole network with its own activation and gradient buffers for up to <c>maxRows</c> rows:
/// embedding input, trunk, towers and losses. Parameters are read from the flat buffer passed in; weight and bias
/// gradients are added into <see cref="DenseGradients"/> (the dense prefix of the layout), embedding gradients into
/// <see cref="RowGradients"/>. Replicas let a trainer split one batch across threads.
/// </summary>
internal sealed partial class MultiTaskNetwork
{
    private readonly ModelSpec _spec;
    private readonly EmbeddingInput _input;
    private readonly ITrunk _trunk;
    private readonly Mlp[] _towers;
    private readonly float[][] _dLogits;
    private readonly float[] _x;
    private readonly float[] _dx;
    private readonly DropoutMasks? _dropout;
    private readonly int _esmmClick = -1;
    private readonly int _esmmConversion = -1;

    public MultiTaskNetwork(ModelSpec spec, ParameterLayout layout, int maxRows, int dropoutSeed)
    {
        _spec = spec;
        MaxRows = maxRows;
        _input = new EmbeddingInput(spec, layout);
        _trunk = spec.Trunk.Kind == TrunkKind.SharedBottom ? new SharedBottomTrunk(spec, layout, maxRows) : new ExpertTrunk(spec, layout, maxRows);
        _towers = new Mlp[spec.Tasks.Count];
        _dLogits = new float[spec.Tasks.Count][];
        for (var t = 0; t < _towers.Length; t++)
        {
            var task = spec.Tasks[t];
            _towers[t] = Mlp.Create(layout, TensorNames.Tower(task.Name), task.Tower.Count, maxRows, spec.Dropout, TensorNames.TowerOutput(task.Name));
            _dLogits[t] = new float[maxRows];
        }

        _x = new float[maxRows * _input.Width];
        _dx = new float[maxRows * _input.Width];
        _dropout = spec.Dropout > 0 ? new DropoutMasks(spec.Dropout, dropoutSeed) : null;
        if (spec.Esmm is not null)
        {
            _esmmClick = spec.TaskIndex(spec.Esmm.Click);
            _esmmConversion = spec.TaskIndex(spec.Esmm.Conversion);
        }

        DenseGradients = new float[layout.DenseLength];
        RowGradients = new RowGradients[spec.Fields.Count];
        for (var f = 0; f < RowGradients.Length; f++)
        {
            var field = spec.Fields[f];
            RowGradients[f] = new RowGradients(field.Rows, field.Columns, Math.Min(field.Rows, maxRows));
        }
    }

    public int MaxRows { get; }

    public float[] DenseGradients { get; }

    public RowGradients[] RowGradients { get; }

    /// <summary>Forward pass on examples [start, start+n) of the batch; dropout only when <paramref name="training"/>.</summary>
    public void Forward(ReadOnlySpan<float> parameters, Batch batch, int start, int n, bool training)
    {
        var x = _x.AsSpan(0, n * _input.Width);
        _input.Gather(parameters, batch, start, n, x);
        var dropout = training ? _dropout : null;
        _trunk.Forward(parameters, x, n, dropout);
        for (var t = 0; t < _towers.Length; t++)
        {
            _towers[t].Forward(parameters, _trunk.TaskOutput(t, n), n, dropout);
            if (_input.HasOutputTerms)
            {
                // The tower's output layer is linear and its backward pass does not read its output, so the terms can
                // be added in place: Loss and Predict then see the task's whole output.
                _input.AddOutputTerms(parameters, batch, start, n, x, t, _towers[t].Output(n));
            }
        }
    }

    /// <summary>
    /// After <see cref="Forward"/>: sets dL/dlogit for every task, where task t's per-example gradient is multiplied by
    /// <paramref name="scales"/>[t] (w_t·e^(−s_t)/N_t), and adds Σ per-example loss per task into <paramref name="lossSums"/>.
    /// A binary task with a <see cref="TaskSpec.PositiveWeight"/> uses the weighted log-loss (training objective only;
    /// predictions and the metrics computed from them are unaffected).
    /// </summary>
    public void Loss(Batch batch, int start, int n, ReadOnlySpan<float> scales, Span<double> lossSums)
    {
        for (var t = 0; t < _towers.Length; t++)
        {
            _dLogits[t].AsSpan(0, n).Clear();
        }

        for (var t = 0; t < _towers.Length; t++)
        {
            var labels = batch.Labels(t).Slice(start, n);
            var logits = _towers[t].Output(n);
            var dLogits = _dLogits[t].AsSpan(0, n);
            var positiveWeight = _spec.Tasks[t].EffectivePositiveWeight;
            if (t == _esmmConversion)
            {
                lossSums[t] += positiveWeight == 1f
                    ? TaskLosses.Esmm(_towers[_esmmClick].Output(n), logits, labels, scales[t], _dLogits[_esmmClick].AsSpan(0, n), dLogits)
                    : TaskLosses.WeightedEsmm(_towers[_esmmClick].Output(n), logits, labels, positiveWeight, scales[t], _dLogits[_esmmClick].AsSpan(0, n), dLogits);
            }
            else if (_spec.Tasks[t].Kind == TaskKind.Binary)
            {
                lossSums[t] += positiveWeight == 1f
                    ? TaskLosses.Binary(logits, labels, scales[t], dLogits)
                    : TaskLosses.WeightedBinary(logits, labels, positiveWeight, scales[t], dLogits);
            }
            else
            {
                lossSums[t] += TaskLosses.Regression(logits, labels, scales[t], dLogits);
            }
        }
    }

    /// <summary>Backward pass of the last <see cref="Forward"/> and <see cref="Loss"/>; gradients are added, not set.</summary>
    public void Backward(ReadOnlySpan<float> parameters, Batch batch, int start, int n)
    {
        var gradients = DenseGradients.AsSpan();
        for (var t = 0; t < _towers.Length; t++)
        {
            _towers[t].Backward(parameters, gradients, _trunk.TaskOutput(t, n), _dLogits[t].AsSpan(0, n), _trunk.TaskOutputGradient(t, n), accumulateDx: false, n);
        }

        var dx = _dx.AsSpan(0, n * _input.Width);
        dx.Clear();
        _trunk.Backward(parameters, gradients, _x.AsSpan(0, n * _input.Width), dx, n);
        _input.Scatter(batch, start, n, _x.AsSpan(0, n * _input.Width), dx, _dLogits, RowGradients);
    }

    /// <summary>
    /// After <see cref="Forward"/>: task t's predictions for the n rows: a probability for binary tasks (for the ESMM
    /// conversion task, p(click)·p(conversion | click)), the value for regression tasks.
    /// </summary>
    public void Predict(int task, Span<float> predictions, int n)
    {
        var logits = _towers[task].Output(n);
        if (_spec.Tasks[task].Kind == TaskKind.Regression)
        {
            logits.CopyTo(predictions);
            return;
        }

        for (var i = 0; i < n; i++)
        {
            var p = TaskLosses.Sigmoid(logits[i]);
            if (task == _esmmConversion)
            {
                p *= TaskLosses.Sigmoid(_towers[_esmmClick].Output(n)[i]);
            }

            predictions[i] = (float)p;
        }
    }
}
