using Federated.Model.Parameters;
using Federated.Model.Training;

namespace Federated.Client.Training.Updates;

/// <summary>What the steps of a <see cref="NodeUpdatePipeline"/> see of the round besides the delta itself.</summary>
public sealed class NodeUpdateContext
{
    /// <summary>The context of one update.</summary>
    /// <param name="plan">The round's plan.</param>
    /// <param name="round">The round.</param>
    /// <param name="baseVersion">The version of <paramref name="global"/>.</param>
    /// <param name="global">θ_global, the shared parameters the node trained from (full layout; only shared tensors hold the version).</param>
    /// <param name="trained">θ after local training (full layout).</param>
    /// <param name="touchedRows">Per shared embedding tensor, the rows local training touched (the only ones that can differ).</param>
    public NodeUpdateContext(LocalTrainingPlan plan, long round, long baseVersion, ParameterSet global, ParameterSet trained, IReadOnlyDictionary<string, RowSet> touchedRows)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(global);
        ArgumentNullException.ThrowIfNull(trained);
        ArgumentNullException.ThrowIfNull(touchedRows);
        Plan = plan;
        Round = round;
        BaseVersion = baseVersion;
        Global = global;
        Trained = trained;
        TouchedRows = touchedRows;
    }

    /// <summary>The round's plan.</summary>
    public LocalTrainingPlan Plan { get; }

    /// <summary>The round.</summary>
    public long Round { get; }

    /// <summary>The version the update is relative to.</summary>
    public long BaseVersion { get; }

    /// <summary>θ_global (full layout; only its shared tensors hold the version). Read only.</summary>
    public ParameterSet Global { get; }

    /// <summary>θ after local training (full layout; the node's local state is saved from it after the pipeline). Read only.</summary>
    public ParameterSet Trained { get; }

    /// <summary>Per shared embedding tensor name, the rows local training touched.</summary>
    public IReadOnlyDictionary<string, RowSet> TouchedRows { get; }

    /// <summary>‖Δ‖₂ as the clip step found it (before scaling), or null while no clip step has run.</summary>
    public double? NormBeforeClip { get; set; }
}
