namespace Federated.Coordinator.Rounds;

/// <summary>
/// Fans the engine's <see cref="RoundEvent"/>s out to subscribers (the simulation's progress, a dashboard, tests).
/// Thread-safe. The engine publishes outside its locks, after the state change an event reports is visible.
/// </summary>
public sealed class RoundEventHub
{
    private readonly Lock _gate = new();
    private Action<RoundEvent>[] _handlers = [];

    /// <summary>How many subscribers there are now (open watch streams among them).</summary>
    public int SubscriberCount => Volatile.Read(ref _handlers).Length;

    /// <summary>Calls <paramref name="handler"/> for every event until the returned handle is disposed. Handlers must be quick and must not throw.</summary>
    public IDisposable Subscribe(Action<RoundEvent> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        lock (_gate)
        {
            _handlers = [.. _handlers, handler];
        }

        return new Subscription(this, handler);
    }

    /// <summary>Delivers <paramref name="events"/> in order to every current subscriber.</summary>
    public void Publish(IReadOnlyList<RoundEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (events.Count == 0)
        {
            return;
        }

        var handlers = Volatile.Read(ref _handlers);
        foreach (var e in events)
        {
            foreach (var handler in handlers)
            {
                handler(e);
            }
        }
    }

    private void Unsubscribe(Action<RoundEvent> handler)
    {
        lock (_gate)
        {
            var index = Array.IndexOf(_handlers, handler);
            if (index >= 0)
            {
                _handlers = [.. _handlers[..index], .. _handlers[(index + 1)..]];
            }
        }
    }

    private sealed class Subscription(RoundEventHub hub, Action<RoundEvent> handler) : IDisposable
    {
        public void Dispose() => hub.Unsubscribe(handler);
    }
}
