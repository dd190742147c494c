using Federated.Coordinator.Aggregation;
using Federated.Model.Parameters;

namespace Federated.Coordinator.Rounds;

/// <summary>
/// The in-memory buffers of a run's model versions: the current one, and a spare that held an earlier version and is
/// brought forward by copying only the values changed since, so that a row-sparse commit touches the rows the round
/// changed instead of copying the whole model into a new array (double buffering with reader leases).
/// </summary>
/// <remarks>
/// <para>
/// Readers take a lease on the current buffer (<see cref="Lease"/>, under the run's state lock). A buffer is reused only
/// when it is no longer current and no lease on it is open; since leases are taken on the current buffer alone, a
/// spare's lease count can only fall, so the check cannot race with a new reader. A buffer handed out without a lease
/// (<see cref="Pin"/>: the engine's legacy <c>GetModel</c>) is never reused. When the spare cannot be reused the next
/// version is a fresh copy of the current one, as before this type existed.
/// </para>
/// <para>
/// Memory: two models per run (the current version and the spare), the same as a commit that allocates the next
/// version while the current one is still read. Thread safety: <see cref="Lease"/>, <see cref="Pin"/>,
/// <see cref="Install"/> and <see cref="Reset"/> are called under the run's state lock; <see cref="PrepareNext"/> and
/// <see cref="Discard"/> under its writer lock, which <see cref="Install"/> and <see cref="Reset"/> also hold.
/// </para>
/// </remarks>
internal sealed class VersionBuffers
{
    private Slot? _current;
    private Slot? _spare;

    // What differs between the spare's values and the current ones: the changes of the versions committed since the
    // spare's own, or null when unknown (the spare is then copied whole).
    private ParameterChanges? _spareStale;

    /// <summary>The current version's parameters; null when none is held.</summary>
    public ParameterSet? Current => _current?.Set;

    /// <summary>How many commits reused the spare (for tests and the benchmark).</summary>
    public long Reused { get; private set; }

    /// <summary>Holds <paramref name="current"/> (loaded or created) as the current version; forgets the spare.</summary>
    public void Reset(ParameterSet? current)
    {
        _current = current is null ? null : new Slot(current);
        _spare = null;
        _spareStale = null;
    }

    /// <summary>A lease on the current version's buffer.</summary>
    public ModelLease Lease(long version)
    {
        var slot = _current ?? throw new InvalidOperationException("no current version is held");
        Interlocked.Increment(ref slot.Leases);
        return new ModelLease(version, slot.Set, () => Interlocked.Decrement(ref slot.Leases));
    }

    /// <summary>Marks the current buffer as handed out for good: it is never reused.</summary>
    public void Pin()
    {
        if (_current is { } slot)
        {
            slot.Pinned = true;
        }
    }

    /// <summary>
    /// A buffer holding exactly the current version's values, not the current buffer itself: the spare brought forward
    /// when it is free (copying only what changed since it was current), else a new copy.
    /// </summary>
    public ParameterSet PrepareNext()
    {
        var current = _current ?? throw new InvalidOperationException("no current version is held");
        var spare = _spare;
        _spare = null;
        if (spare is not null && !spare.Pinned && Volatile.Read(ref spare.Leases) == 0 && _spareStale is { } stale && spare.Set.Layout.Fingerprint == current.Set.Layout.Fingerprint)
        {
            stale.CopyTo(current.Set.Values, spare.Set.Values);
            _spareStale = null;
            Reused++;
            return spare.Set;
        }

        _spareStale = null;
        var values = GC.AllocateUninitializedArray<float>(current.Set.Values.Length);
        current.Set.Values.CopyTo(values, 0);
        return new ParameterSet(current.Set.Layout, values);
    }

    /// <summary>Forgets a buffer from <see cref="PrepareNext"/> that was not installed (a failed commit may have half written it).</summary>
    public void Discard()
    {
        _spare = null;
        _spareStale = null;
    }

    /// <summary>
    /// Makes <paramref name="next"/> the current version; the previous current buffer becomes the spare, stale by
    /// <paramref name="changes"/>, or is dropped when <paramref name="keepSpare"/> is false (a run whose commits cannot
    /// write in place would only hold it in memory).
    /// </summary>
    public void Install(ParameterSet next, ParameterChanges changes, bool keepSpare)
    {
        ArgumentNullException.ThrowIfNull(next);
        ArgumentNullException.ThrowIfNull(changes);
        var previous = _current;
        _current = new Slot(next);
        _spare = keepSpare && previous is not null && !previous.Pinned && !ReferenceEquals(previous.Set, next) ? previous : null;
        _spareStale = _spare is null ? null : changes;
    }

    private sealed class Slot(ParameterSet set)
    {
        public ParameterSet Set { get; } = set;

        public int Leases;

        public bool Pinned { get; set; }
    }
}
