using Federated.Model.Parameters;

namespace Federated.Coordinator.Rounds;

/// <summary>
/// A committed version's parameters, lent for reading until disposed. The engine reuses the buffer of an old version
/// for a later one only when no lease on it is open, so the values stay those of <see cref="Version"/> while the lease
/// lives (a download streams them without copying). Dispose it once the values are read; a lease never disposed only
/// costs a later commit a full copy.
/// </summary>
public sealed class ModelLease : IDisposable
{
    private Action? _release;

    internal ModelLease(long version, ParameterSet parameters, Action? release)
    {
        Version = version;
        Parameters = parameters;
        _release = release;
    }

    /// <summary>The version.</summary>
    public long Version { get; }

    /// <summary>Its parameters: read them, never write them, and not after <see cref="Dispose"/>.</summary>
    public ParameterSet Parameters { get; }

    /// <summary>Ends the loan; later calls do nothing.</summary>
    public void Dispose() => Interlocked.Exchange(ref _release, null)?.Invoke();
}
