using System.Security.Cryptography;
using Federated.Protos;
using Microsoft.Extensions.Options;

namespace Federated.Coordinator.Bulk;

/// <summary>
/// The bulk upload tickets issued and not yet used: each is 256 bits from <see cref="RandomNumberGenerator"/>, good for
/// one connection until it expires, and at most one per node (a node's new ticket replaces its old one), so the tickets
/// held never outnumber the enrolled nodes. Expired tickets are dropped whenever one is issued.
/// </summary>
public sealed class BulkUploadTickets
{
    private readonly Dictionary<string, BulkTicket> _byTicket = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _byNode = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly TimeSpan _lifetime;

    /// <summary>Creates the store; tickets live <see cref="BulkUploadOptions.TicketSeconds"/>.</summary>
    public BulkUploadTickets(IOptions<BulkUploadOptions> options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        _time = time;
        _lifetime = TimeSpan.FromSeconds(options.Value.TicketSeconds);
    }

    /// <summary>Tickets held now (issued, not used, possibly expired but not yet dropped).</summary>
    public int Count
    {
        get
        {
            lock (_byTicket)
            {
                return _byTicket.Count;
            }
        }
    }

    /// <summary>Issues a ticket for <paramref name="admitted"/> (its expiry is set here) and returns its bytes; the node's previous ticket is dropped.</summary>
    internal (byte[] Ticket, DateTimeOffset Expires) Issue(BulkTicket admitted)
    {
        ArgumentNullException.ThrowIfNull(admitted);
        var bytes = RandomNumberGenerator.GetBytes(BulkUploadWire.TicketBytes);
        var key = Convert.ToHexString(bytes);
        var now = _time.GetUtcNow();
        var ticket = admitted with { Expires = now + _lifetime };
        lock (_byTicket)
        {
            DropExpired(now);
            if (_byNode.Remove(ticket.NodeId, out var previous))
            {
                _byTicket.Remove(previous);
            }

            _byTicket[key] = ticket;
            _byNode[ticket.NodeId] = key;
        }

        return (bytes, ticket.Expires);
    }

    /// <summary>Takes the ticket <paramref name="ticket"/> names, once: null when it was never issued, was used or replaced, or has expired.</summary>
    internal BulkTicket? Take(ReadOnlySpan<byte> ticket)
    {
        if (ticket.Length != BulkUploadWire.TicketBytes)
        {
            return null;
        }

        var key = Convert.ToHexString(ticket);
        lock (_byTicket)
        {
            if (!_byTicket.Remove(key, out var found))
            {
                return null;
            }

            _byNode.Remove(found.NodeId);
            return found.Expires > _time.GetUtcNow() ? found : null;
        }
    }

    private void DropExpired(DateTimeOffset now)
    {
        List<string>? expired = null;
        foreach (var (key, ticket) in _byTicket)
        {
            if (ticket.Expires <= now)
            {
                (expired ??= []).Add(key);
            }
        }

        foreach (var key in expired ?? [])
        {
            _byNode.Remove(_byTicket[key].NodeId);
            _byTicket.Remove(key);
        }
    }
}
