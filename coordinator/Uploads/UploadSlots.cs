using Federated.Coordinator.Hosting;
using Microsoft.Extensions.Options;

namespace Federated.Coordinator.Uploads;

/// <summary>
/// The uploads assembled at once, across all runs: at most <see cref="CoordinatorOptions.MaxUploadsInFlight"/>. An
/// upload takes a slot after its header was admitted and before anything is allocated for its tensors, and gives it
/// back once the engine has counted or refused the update, so its arrays are never held while it waits for the engine.
/// An upload without a slot waits, reading nothing: HTTP/2 flow control stops its sender after the stream window, and
/// the wait counts against <see cref="CoordinatorOptions.MaxUploadSeconds"/>.
/// </summary>
public sealed class UploadSlots : IDisposable
{
    private readonly SemaphoreSlim _slots;
    private long _allocatedFloats;
    private int _waiting;

    /// <summary>Creates the slots from <see cref="CoordinatorOptions.MaxUploadsInFlight"/>.</summary>
    public UploadSlots(IOptions<CoordinatorOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Capacity = options.Value.MaxUploadsInFlight;
        _slots = new SemaphoreSlim(Capacity, Capacity);
    }

    /// <summary>Raised when an upload starts waiting for a slot or reports its allocation (tests observe it instead of timing).</summary>
    internal event Action? Changed;

    /// <summary>Slots in all.</summary>
    public int Capacity { get; }

    /// <summary>Uploads waiting for a slot now.</summary>
    public int Waiting => Volatile.Read(ref _waiting);

    /// <summary>Slots taken now.</summary>
    public int InUse => Capacity - _slots.CurrentCount;

    /// <summary>Floats allocated for tensor values by the uploads holding a slot now.</summary>
    public long AllocatedFloats => Interlocked.Read(ref _allocatedFloats);

    /// <summary>Takes a slot, waiting for one if all are taken.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled while waiting.</exception>
    public async Task<UploadSlot> AcquireAsync(CancellationToken cancellationToken)
    {
        if (!_slots.Wait(0, CancellationToken.None))
        {
            Interlocked.Increment(ref _waiting);
            try
            {
                Changed?.Invoke();
                await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                Interlocked.Decrement(ref _waiting);
            }
        }

        return new UploadSlot(this);
    }

    /// <inheritdoc />
    public void Dispose() => _slots.Dispose();

    /// <summary>Adds <paramref name="floats"/> (negative when released) to <see cref="AllocatedFloats"/>.</summary>
    internal void Track(long floats)
    {
        Interlocked.Add(ref _allocatedFloats, floats);
        Changed?.Invoke();
    }

    /// <summary>Gives a slot back.</summary>
    internal void Release() => _slots.Release();
}
