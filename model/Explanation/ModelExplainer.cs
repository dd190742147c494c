using Federated.Model.Network;
using Federated.Model.Parameters;
using Federated.Model.Spec;
using Federated.Model.Training;

namespace Federated.Model.Explanation;

/// <summary>
/// Explains a model's predictions for a batch: each task's gate weights over its experts (MMoE, PLE) and each field's
/// gradient × input attribution to each task's raw output. Its own network replica, separate from any trainer's, so
/// training pays nothing for it.
/// </summary>
/// <remarks>
/// <para>Gate weights are the softmax g_t = softmax(W_t·in + b_t) the forward pass mixes the experts with (Ma et al.
/// 2018, MMoE; Tang et al. 2020, PLE: the task gates of every extraction level). Shared-bottom trunks have no gates.</para>
/// <para>The attribution of field f to task t's raw output o_t (the logit of a binary task, the value of a regression
/// task) is gradient × input on the field's looked-up embedding rows, A_f = Σ_d e_f,d·∂o_t/∂e_f,d (plus the row's
/// bias of task t, if the field has one), which equals do_t/dα at α = 1 when the field's rows are scaled by α
/// (Shrikumar et al. 2016, "Not just a black box"; Ancona et al. 2018 on gradient × input). It is the first-order share
/// of the field in the output, signed: positive pushes the output up.</para>
/// <para>Not thread-safe; one explainer per thread. Allocates its results (meant for a few rows, not for training).</para>
/// </remarks>
public sealed class ModelExplainer
{
    private readonly CompiledModel _model;
    private readonly MultiTaskNetwork _network;
    private readonly string[][] _experts;

    /// <summary>An explainer for <paramref name="model"/> that runs at most <paramref name="maxRows"/> examples per pass (batches are chunked).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxRows"/> &lt; 1.</exception>
    public ModelExplainer(CompiledModel model, int maxRows = 256)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRows, 1);
        _model = model;
        _network = new MultiTaskNetwork(model.Spec, model.Layout, maxRows, dropoutSeed: 0);
        HasGates = model.Spec.Trunk.Kind != TrunkKind.SharedBottom;
        Levels = _network.GatedTrunk?.LevelCount ?? 0;
        _experts = new string[model.Tasks.Count][];
        for (var t = 0; t < _experts.Length; t++)
        {
            _experts[t] = HasGates ? ExpertTrunk.TaskGateExperts(model.Spec, t) : [];
        }
    }

    /// <summary>The model explained.</summary>
    public CompiledModel Model => _model;

    /// <summary>Whether the trunk has gates (MMoE, PLE); false for shared-bottom.</summary>
    public bool HasGates { get; }

    /// <summary>Gate levels: 1 for MMoE, the extraction levels for PLE, 0 without gates.</summary>
    public int Levels { get; }

    /// <summary>The names of the experts task <paramref name="task"/>'s gates mix, in weight order (<c>e0</c>… for MMoE; <c>shared0</c>…, <c>{task}0</c>… for PLE); empty without gates.</summary>
    public IReadOnlyList<string> ExpertsOf(int task) => _experts[task];

    /// <summary>Explains every example of <paramref name="batch"/> under <paramref name="parameters"/> (full layout), without dropout.</summary>
    /// <param name="parameters">The model's parameters; read only.</param>
    /// <param name="batch">The examples; labels are not read.</param>
    /// <param name="attributions">Whether to compute field attributions (one backward pass per task); gates and outputs come from the forward pass alone.</param>
    /// <exception cref="ArgumentException">The parameters or the batch are not of this model.</exception>
    public ModelExplanation Explain(ParameterSet parameters, Batch batch, bool attributions = true)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(batch);
        if (parameters.Layout.Fingerprint != _model.Fingerprint)
        {
            throw new ArgumentException($"the parameters have layout {parameters.Layout.Fingerprint}, but the model has {_model.Fingerprint}", nameof(parameters));
        }

        if (batch.Spec.Fields.Count != _model.Spec.Fields.Count || batch.Spec.Tasks.Count != _model.Tasks.Count || batch.Spec.Numeric.Count != _model.Spec.Numeric.Count)
        {
            throw new ArgumentException("the batch was made for another model spec", nameof(batch));
        }

        var count = batch.Count;
        var tasks = _model.Tasks.Count;
        var fields = _network.FieldCount;
        var outputs = new float[tasks][];
        var gates = new float[tasks][][];
        var attributed = attributions ? new float[tasks][] : null;
        for (var t = 0; t < tasks; t++)
        {
            outputs[t] = new float[count];
            gates[t] = new float[Levels][];
            for (var l = 0; l < Levels; l++)
            {
                gates[t][l] = new float[count * _experts[t].Length];
            }

            if (attributed is not null)
            {
                attributed[t] = new float[count * fields];
            }
        }

        var values = parameters.Values;
        for (var start = 0; start < count; start += _network.MaxRows)
        {
            var n = Math.Min(_network.MaxRows, count - start);
            _network.Forward(values, batch, start, n, training: false);
            for (var t = 0; t < tasks; t++)
            {
                _network.RawOutput(t, n).CopyTo(outputs[t].AsSpan(start));
                for (var l = 0; l < Levels; l++)
                {
                    _network.GatedTrunk!.TaskGateWeights(l, t, n).CopyTo(gates[t][l].AsSpan(start * _experts[t].Length));
                }
            }

            if (attributed is not null)
            {
                for (var t = 0; t < tasks; t++)
                {
                    // Each backward pass overwrites the activations' gradients but not the forward activations, so one
                    // forward pass serves every task.
                    _network.AttributeFields(values, batch, start, n, t, attributed[t].AsSpan(start * fields, n * fields));
                }
            }
        }

        return new ModelExplanation(_model.Spec, count, outputs, gates, _experts, attributed);
    }
}
