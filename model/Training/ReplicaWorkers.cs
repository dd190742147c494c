using System.Runtime.ExceptionServices;

namespace Federated.Model.Training;

/// <summary>
/// Runs one action per replica on dedicated threads: replica 0 on the caller's thread, replicas 1…n−1 on background
/// threads that wait on semaphores between steps. Nothing is allocated per run (unlike Parallel.For).
/// </summary>
internal sealed class ReplicaWorkers : IDisposable
{
    private readonly Thread[] _threads;
    private readonly SemaphoreSlim[] _start;
    private readonly CountdownEvent _done;
    private Action<int>? _work;
    private ExceptionDispatchInfo? _failure;
    private volatile bool _stopping;

    public ReplicaWorkers(int replicas)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(replicas, 1);
        Count = replicas;
        _threads = new Thread[replicas - 1];
        _start = new SemaphoreSlim[replicas - 1];
        _done = new CountdownEvent(Math.Max(1, replicas - 1));
        for (var i = 0; i < _threads.Length; i++)
        {
            _start[i] = new SemaphoreSlim(0);
            var replica = i + 1;
            _threads[i] = new Thread(() => Loop(replica)) { IsBackground = true, Name = $"federated-replica-{replica}" };
            _threads[i].Start();
        }
    }

    public int Count { get; }

    /// <summary>Runs <paramref name="work"/>(r) for every replica r and returns when all are done; rethrows the first failure.</summary>
    public void Run(Action<int> work)
    {
        ObjectDisposedException.ThrowIf(_stopping, this);
        if (_threads.Length == 0)
        {
            work(0);
            return;
        }

        _work = work;
        _failure = null;
        _done.Reset(_threads.Length);
        foreach (var start in _start)
        {
            start.Release();
        }

        try
        {
            work(0);
        }
        finally
        {
            _done.Wait();
        }

        _failure?.Throw();
    }

    public void Dispose()
    {
        if (_stopping)
        {
            return;
        }

        _stopping = true;
        foreach (var start in _start)
        {
            start.Release();
        }

        foreach (var thread in _threads)
        {
            thread.Join();
        }

        foreach (var start in _start)
        {
            start.Dispose();
        }

        _done.Dispose();
    }

    private void Loop(int replica)
    {
        var start = _start[replica - 1];
        while (true)
        {
            start.Wait();
            if (_stopping)
            {
                return;
            }

            try
            {
                _work!(replica);
            }
#pragma warning disable CA1031 // The failure is captured and rethrown on the caller's thread.
            catch (Exception e)
#pragma warning restore CA1031
            {
                Interlocked.CompareExchange(ref _failure, ExceptionDispatchInfo.Capture(e), null);
            }
            finally
            {
                _done.Signal();
            }
        }
    }
}
