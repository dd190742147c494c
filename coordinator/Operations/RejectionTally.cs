using System.Collections.Concurrent;
using Federated.Coordinator.Rounds;

namespace Federated.Coordinator.Operations;

/// <summary>
/// Refused updates per run and reason since the coordinator started, counted from the engine's events (refusals are
/// logged and metered but not stored). Memory: one counter per run and reason seen.
/// </summary>
public sealed class RejectionTally : IDisposable
{
    private readonly ConcurrentDictionary<(string RunId, Rejection Reason), long> _counts = new();
    private readonly IDisposable _subscription;

    /// <summary>Starts counting the refusals <paramref name="events"/> publishes.</summary>
    public RejectionTally(RoundEventHub events)
    {
        ArgumentNullException.ThrowIfNull(events);
        _subscription = events.Subscribe(e =>
        {
            if (e is { Kind: RoundEventKind.UpdateRejected, Reason: { } reason })
            {
                _counts.AddOrUpdate((e.RunId, reason), 1, (_, n) => n + 1);
            }
        });
    }

    /// <summary>The refusals of a run by reason, most frequent first (ties by name).</summary>
    public IReadOnlyList<KeyValuePair<Rejection, long>> ForRun(string runId) =>
        _counts.Where(c => c.Key.RunId == runId)
            .Select(c => KeyValuePair.Create(c.Key.Reason, c.Value))
            .OrderByDescending(c => c.Value).ThenBy(c => c.Key.ToString(), StringComparer.Ordinal)
            .ToList();

    /// <inheritdoc />
    public void Dispose() => _subscription.Dispose();
}
