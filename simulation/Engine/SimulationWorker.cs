using Federated.Client.Training;
using Federated.Model.Parameters;
using Federated.Simulation.Attacks;

namespace Federated.Simulation.Engine;

/// <summary>What one worker of a <see cref="WorkerPool"/> owns; used by one thread at a time.</summary>
internal sealed class SimulationWorker(TrainingWorkspace workspace, AttackTarget target)
{
    private readonly List<ParameterSet> _scratch = [];
    private long _version;

    /// <summary>The workspace clients are trained and evaluated on.</summary>
    public TrainingWorkspace Workspace { get; } = workspace;

    /// <summary>The client the workspace trains in the federated series, for an attack's update step (null otherwise).</summary>
    public AttackTarget Target { get; } = target;

    /// <summary>
    /// A global buffer of the worker's own (a reference client's private model), reset to <paramref name="initial"/>: one
    /// per ensemble <paramref name="member"/> (0 outside ensembles), kept for the worker's next reference job.
    /// </summary>
    public ParameterSet ResetScratch(ParameterSet initial, int member = 0)
    {
        if (member >= _scratch.Count)
        {
            _scratch.AddRange(Enumerable.Range(0, member + 1 - _scratch.Count).Select(_ => new ParameterSet(initial.Layout)));
        }

        initial.Values.CopyTo(_scratch[member].Values, 0);
        return _scratch[member];
    }

    /// <summary>
    /// A version number never used before by this worker: the workspace refreshes shared tensors incrementally per
    /// (global, version), so a scratch buffer changed in place must come with a new one.
    /// </summary>
    public long NextVersion() => ++_version;
}
