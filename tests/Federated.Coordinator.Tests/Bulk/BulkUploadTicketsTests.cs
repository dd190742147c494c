using Federated.Coordinator.Bulk;
using Federated.Coordinator.Rounds;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Federated.Coordinator.Tests.Bulk;

/// <summary>Tickets are random, single-use, one per node, and expire.</summary>
public sealed class BulkUploadTicketsTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 3, 10, 0, 0, TimeSpan.Zero));
    private readonly BulkUploadTickets _tickets;

    public BulkUploadTicketsTests() => _tickets = new BulkUploadTickets(Options.Create(new BulkUploadOptions { TicketSeconds = 30 }), _time);

    [Fact]
    public void Take_IssuedTicket_ReturnedOnceWithItsHeaderAndExpiry()
    {
        var (ticket, expires) = _tickets.Issue(Admitted("n1"));

        var first = _tickets.Take(ticket);
        var second = _tickets.Take(ticket);

        Assert.Equal(32, ticket.Length);
        Assert.Equal(_time.GetUtcNow().AddSeconds(30), expires);
        Assert.Equal(("n1", "u-1", expires), (first!.NodeId, first.Header.UploadId, first.Expires));
        Assert.Null(second);
        Assert.Equal(0, _tickets.Count);
    }

    [Fact]
    public void Take_AfterItsLifetime_Null()
    {
        var (ticket, _) = _tickets.Issue(Admitted("n1"));
        _time.Advance(TimeSpan.FromSeconds(30));

        Assert.Null(_tickets.Take(ticket));
    }

    [Fact]
    public void Take_JustBeforeItsLifetimeEnds_Ticket()
    {
        var (ticket, _) = _tickets.Issue(Admitted("n1"));
        _time.Advance(TimeSpan.FromSeconds(29.9));

        Assert.NotNull(_tickets.Take(ticket));
    }

    [Fact]
    public void Issue_SameNodeAgain_ReplacesItsFirstTicket()
    {
        var (first, _) = _tickets.Issue(Admitted("n1"));
        var (other, _) = _tickets.Issue(Admitted("n2"));
        var (second, _) = _tickets.Issue(Admitted("n1"));

        Assert.Equal(2, _tickets.Count);
        Assert.Null(_tickets.Take(first));
        Assert.NotNull(_tickets.Take(second));
        Assert.NotNull(_tickets.Take(other));
    }

    [Fact]
    public void Issue_AfterOthersExpired_DropsThem()
    {
        _tickets.Issue(Admitted("n1"));
        _tickets.Issue(Admitted("n2"));
        _time.Advance(TimeSpan.FromMinutes(1));

        _tickets.Issue(Admitted("n3"));

        Assert.Equal(1, _tickets.Count);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(31)]
    [InlineData(33)]
    public void Take_WrongLength_Null(int length)
    {
        _tickets.Issue(Admitted("n1"));

        Assert.Null(_tickets.Take(new byte[length]));
        Assert.Equal(1, _tickets.Count);
    }

    [Fact]
    public void Issue_ThousandTickets_AllDistinct()
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < 1000; i++)
        {
            Assert.True(seen.Add(Convert.ToHexString(_tickets.Issue(Admitted($"n{i}")).Ticket)));
        }
    }

    private static BulkTicket Admitted(string node) => new(
        node,
        new NodeUpdateHeader { RunId = "r", Round = 1, BaseVersion = 0, NodeId = node, UploadId = "u-1", Examples = 10 },
        [],
        0,
        default);
}
