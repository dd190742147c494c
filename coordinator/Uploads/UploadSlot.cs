namespace Federated.Coordinator.Uploads;

/// <summary>One upload's slot of <see cref="UploadSlots"/>; disposing it gives the slot and its reported allocation back.</summary>
public sealed class UploadSlot : IDisposable
{
    private readonly UploadSlots _owner;
    private long _reported;
    private bool _released;

    internal UploadSlot(UploadSlots owner) => _owner = owner;

    /// <summary>Reports the floats this upload has allocated so far (a running total, not an increment).</summary>
    public void Report(long allocatedFloats)
    {
        if (allocatedFloats != _reported && !_released)
        {
            _owner.Track(allocatedFloats - _reported);
            _reported = allocatedFloats;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (!_released)
        {
            Report(0);
            _released = true;
            _owner.Release();
        }
    }
}
