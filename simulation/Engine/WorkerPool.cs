using System.Collections.Concurrent;
using Federated.Client.Training;
using Federated.Model.Parameters;
using Federated.Simulation.Attacks;

namespace Federated.Simulation.Engine;

/// <summary>
/// A bounded pool of workers, each owning one <see cref="TrainingWorkspace"/> (one full parameter buffer and trainer)
/// and a scratch global for the references: N clients cost N compact states plus <see cref="Size"/> models.
/// </summary>
internal sealed class WorkerPool : IDisposable
{
    private readonly ConcurrentBag<SimulationWorker> _idle = [];
    private readonly ConcurrentBag<SimulationWorker> _all = [];
    private readonly CompiledModel _model;
    private readonly NodeTrainingOptions _options;
    private readonly ExperimentAttack? _attack;

    /// <summary>A pool of at most <paramref name="size"/> workers for <paramref name="model"/>, which every workspace shares.</summary>
    /// <param name="model">The model.</param>
    /// <param name="options">Every workspace's settings.</param>
    /// <param name="size">Workers at most.</param>
    /// <param name="attack">
    /// An attack that poisons updates: each workspace's update pipeline then ends with the attack's step, which acts only
    /// while the worker's <see cref="SimulationWorker.Target"/> names a malicious client. Null: none.
    /// </param>
    public WorkerPool(CompiledModel model, NodeTrainingOptions options, int size, ExperimentAttack? attack = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        _model = model;
        _options = options;
        _attack = attack is { Spec.PoisonsUpdates: true } ? attack : null;
        Size = size;
    }

    /// <summary>Workers that may run at once.</summary>
    public int Size { get; }

    /// <summary>Runs <paramref name="body"/> for indices 0..count−1 (taken in order) on at most <see cref="Size"/> workers.</summary>
    public Task ForEachAsync(int count, Func<int, SimulationWorker, CancellationToken, ValueTask> body, CancellationToken cancellationToken)
    {
        var options = new ParallelOptions { MaxDegreeOfParallelism = Size, CancellationToken = cancellationToken };
        return Parallel.ForEachAsync(Enumerable.Range(0, count), options, async (i, ct) =>
        {
            var worker = Rent();
            try
            {
                await body(i, worker, ct).ConfigureAwait(false);
            }
            finally
            {
                _idle.Add(worker);
            }
        });
    }

    public void Dispose()
    {
        foreach (var worker in _all)
        {
            worker.Workspace.Dispose();
        }
    }

    private SimulationWorker Rent()
    {
        if (_idle.TryTake(out var worker))
        {
            return worker;
        }

        var target = new AttackTarget();
        var options = _attack is null ? _options : _options with { ExtraUpdateTransforms = [.. _options.ExtraUpdateTransforms, _attack.Factory(target)] };
        worker = new SimulationWorker(new TrainingWorkspace(_model, options), target);
        _all.Add(worker);
        return worker;
    }
}
