using System.Collections.Concurrent;
using Federated.Client.Training;
using Federated.Model.Parameters;

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

    /// <summary>A pool of at most <paramref name="size"/> workers for <paramref name="model"/>, which every workspace shares.</summary>
    public WorkerPool(CompiledModel model, NodeTrainingOptions options, int size)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        _model = model;
        _options = options;
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

        worker = new SimulationWorker(new TrainingWorkspace(_model, _options));
        _all.Add(worker);
        return worker;
    }
}
