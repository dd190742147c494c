using Federated.SecureAggregation.Crypto;
using Federated.SecureAggregation.Protocol;
using Federated.SecureAggregation.Protocol.Messages;

namespace Federated.SecureAggregation.Tests.Protocol;

/// <summary>Bad messages are refused with a clear error and change nothing; a dishonest server gets no second secret.</summary>
public sealed class SecAggValidationTests
{
    [Fact]
    public void Unmask_RequestForBothSecretsOfOneParty_ClientRefuses()
    {
        using var round = new SimulatedRound(parties: 10, threshold: 6, vectorLength: 10);
        var client = AdvanceToUnmask(round);

        // A dishonest server claims party 4 dropped while it also asks for party 4's self-mask share.
        var error = Assert.Throws<SecureAggregationException>(() => client.Unmask(new UnmaskRequest(1, [.. Enumerable.Range(1, 10)], [4])));

        Assert.Contains("both the self-mask and the mask-key shares of party 4", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unmask_SecondRequestAfterARefusal_ClientRefusesAgain()
    {
        using var round = new SimulatedRound(parties: 10, threshold: 6, vectorLength: 10);
        var client = AdvanceToUnmask(round);
        Assert.Throws<SecureAggregationException>(() => client.Unmask(new UnmaskRequest(1, [.. Enumerable.Range(1, 10)], [4])));

        // Asking again, split differently, would let two answers together reveal both secrets of a party.
        Assert.Throws<SecureAggregationException>(() => client.Unmask(round.Server.RequestFor(1)));
    }

    [Fact]
    public void Unmask_RequestListingTheClientAsDropped_ClientRefuses()
    {
        using var round = new SimulatedRound(parties: 10, threshold: 6, vectorLength: 10);
        var client = AdvanceToUnmask(round);

        var error = Assert.Throws<SecureAggregationException>(() => client.Unmask(new UnmaskRequest(1, [.. Enumerable.Range(2, 9)], [1])));

        Assert.Contains("does not list it among the survivors", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unmask_FewerThanThresholdSurvivors_ClientRefuses()
    {
        using var round = new SimulatedRound(parties: 10, threshold: 6, vectorLength: 10);
        var client = AdvanceToUnmask(round);

        Assert.Throws<SecureAggregationAbortedException>(() => client.Unmask(new UnmaskRequest(1, [1, 2, 3, 4, 5], [6, 7, 8, 9, 10])));
    }

    [Fact]
    public void ReceiveMaskedInput_PartyThatDidNotShareKeys_Refused()
    {
        using var round = new SimulatedRound(parties: 10, threshold: 6, vectorLength: 10);
        foreach (var p in round.Setup.Parties)
        {
            round.Server.ReceiveKeys(round.Clients[p].AdvertiseKeys());
        }

        round.Server.CloseKeyAdvertisement();
        foreach (var p in round.Setup.Parties.Where(p => p != 3))
        {
            round.Server.ReceiveSharedKeys(round.Clients[p].ShareKeys(round.Server.DirectoryFor(p)));
        }

        round.Server.CloseShareKeys();

        var error = Assert.Throws<SecureAggregationException>(() => round.Server.ReceiveMaskedInput(new MaskedInput(3, new uint[10])));
        Assert.Contains("party 3 is not among the parties that shared keys", error.Message, StringComparison.Ordinal);
        Assert.Throws<SecureAggregationException>(() => round.Server.InboxFor(3));
    }

    [Fact]
    public void Receive_MalformedMessages_RefusedAndRoundUnchanged()
    {
        using var round = new SimulatedRound(parties: 10, threshold: 6, vectorLength: 10);
        var keys = round.Clients[1].AdvertiseKeys();
        round.Server.ReceiveKeys(keys);

        Assert.Contains("already advertised", Assert.Throws<SecureAggregationException>(() => round.Server.ReceiveKeys(keys)).Message, StringComparison.Ordinal);
        Assert.Contains("not among the round's parties", Assert.Throws<SecureAggregationException>(() => round.Server.ReceiveKeys(keys with { Party = 11 })).Message, StringComparison.Ordinal);
        Assert.Contains("not a P-256 point", Assert.Throws<SecureAggregationException>(() => round.Server.ReceiveKeys(keys with { Party = 2, MaskPublicKey = new byte[65] })).Message, StringComparison.Ordinal);
        Assert.Contains("belongs to phase ShareKeys", Assert.Throws<SecureAggregationException>(() => round.Server.ReceiveSharedKeys(new SharedKeys(1, []))).Message, StringComparison.Ordinal);
        Assert.Equal([1], round.Server.Remaining);
    }

    [Fact]
    public void ReceiveSharedKeys_MissingOrMisaddressedBundles_Refused()
    {
        using var round = new SimulatedRound(parties: 10, threshold: 6, vectorLength: 10);
        foreach (var p in round.Setup.Parties)
        {
            round.Server.ReceiveKeys(round.Clients[p].AdvertiseKeys());
        }

        round.Server.CloseKeyAdvertisement();
        var shares = round.Clients[1].ShareKeys(round.Server.DirectoryFor(1));

        Assert.Throws<SecureAggregationException>(() => round.Server.ReceiveSharedKeys(shares with { Shares = shares.Shares.Skip(1).ToArray() }));
        Assert.Throws<SecureAggregationException>(() => round.Server.ReceiveSharedKeys(shares with { Shares = [.. shares.Shares.Skip(1), shares.Shares[1]] }));
        Assert.Throws<SecureAggregationException>(() => round.Server.ReceiveSharedKeys(shares with { Shares = [.. shares.Shares.Skip(1), shares.Shares[0] with { Recipient = 1 }] }));
        Assert.Throws<SecureAggregationException>(() => round.Server.ReceiveSharedKeys(shares with { Shares = [.. shares.Shares.Skip(1), shares.Shares[0] with { Ciphertext = new byte[10] }] }));
        round.Server.ReceiveSharedKeys(shares);
    }

    [Fact]
    public void MaskInput_TamperedBundle_FailsAtUnmaskWithAuthenticationError()
    {
        using var round = new SimulatedRound(parties: 10, threshold: 6, vectorLength: 10);
        foreach (var p in round.Setup.Parties)
        {
            round.Server.ReceiveKeys(round.Clients[p].AdvertiseKeys());
        }

        round.Server.CloseKeyAdvertisement();
        foreach (var p in round.Setup.Parties)
        {
            round.Server.ReceiveSharedKeys(round.Clients[p].ShareKeys(round.Server.DirectoryFor(p)));
        }

        round.Server.CloseShareKeys();
        var inbox = round.Server.InboxFor(1);
        var tampered = inbox.Shares[0].Ciphertext.ToArray();
        tampered[30] ^= 0xFF;
        round.Clients[1].MaskInput(inbox with { Shares = [inbox.Shares[0] with { Ciphertext = tampered }, .. inbox.Shares.Skip(1)] }, round.Inputs[1]);
        foreach (var p in round.Setup.Parties)
        {
            if (p != 1)
            {
                round.Server.ReceiveMaskedInput(round.Clients[p].MaskInput(round.Server.InboxFor(p), round.Inputs[p]));
            }
        }

        round.Server.CloseMaskedInput();

        var error = Assert.Throws<SecureAggregationException>(() => round.Clients[1].Unmask(new UnmaskRequest(1, [.. Enumerable.Range(1, 9)], [10])));
        Assert.Contains("failed authentication", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ShareKeys_DirectoryWithAlteredOwnKeyOrRepeatedKey_ClientRefuses()
    {
        using var round = new SimulatedRound(parties: 10, threshold: 6, vectorLength: 10);
        foreach (var p in round.Setup.Parties)
        {
            round.Server.ReceiveKeys(round.Clients[p].AdvertiseKeys());
        }

        round.Server.CloseKeyAdvertisement();
        var directory = round.Server.DirectoryFor(1);
        var second = directory.Keys[1];

        Assert.Throws<SecureAggregationException>(() => round.Clients[1].ShareKeys(directory with { Keys = [directory.Keys[0] with { MaskPublicKey = second.MaskPublicKey }, .. directory.Keys.Skip(1)] }));
        Assert.Throws<SecureAggregationException>(() => round.Clients[1].ShareKeys(directory with { Keys = [.. directory.Keys, directory.Keys[2] with { Party = 11 }] }));
        Assert.Throws<SecureAggregationException>(() => round.Clients[1].ShareKeys(directory with { Keys = [.. directory.Keys.Take(2), directory.Keys[2] with { EncryptionPublicKey = second.EncryptionPublicKey }, .. directory.Keys.Skip(3)] }));
        round.Clients[1].ShareKeys(directory);
    }

    [Fact]
    public void Setup_BadParameters_ErrorNamesThem()
    {
        var context = new SecAggContext("run", 1);
        Assert.Equal("Threshold", Assert.Throws<ArgumentOutOfRangeException>(() => new SecAggRoundSetup(context, [1, 2, 3], 4, 10).Validate()).ParamName);
        Assert.Equal("Threshold", Assert.Throws<ArgumentOutOfRangeException>(() => new SecAggRoundSetup(context, [1, 2, 3], 1, 10).Validate()).ParamName);
        Assert.Equal("Parties", Assert.Throws<ArgumentException>(() => new SecAggRoundSetup(context, [1, 1, 3], 2, 10).Validate()).ParamName);
        Assert.Equal("Parties", Assert.Throws<ArgumentException>(() => new SecAggRoundSetup(context, [0, 1, 3], 2, 10).Validate()).ParamName);
        Assert.Equal("VectorLength", Assert.Throws<ArgumentOutOfRangeException>(() => new SecAggRoundSetup(context, [1, 2, 3], 2, 0).Validate()).ParamName);
        Assert.Equal("Neighbours", Assert.Throws<ArgumentOutOfRangeException>(() => new SecAggRoundSetup(context, [1, 2, 3, 4, 5], 2, 10, 3, new byte[32]).Validate()).ParamName);
        Assert.Equal("GraphSeed", Assert.Throws<ArgumentException>(() => new SecAggRoundSetup(context, [1, 2, 3, 4, 5], 2, 10, 2).Validate()).ParamName);
    }

    [Fact]
    public void Steps_OutOfOrder_ClientRefuses()
    {
        using var round = new SimulatedRound(parties: 10, threshold: 6, vectorLength: 10);
        var client = round.Clients[1];

        Assert.Throws<SecureAggregationException>(() => client.MaskInput(new ShareInbox(1, []), new uint[10]));
        client.AdvertiseKeys();
        Assert.Throws<SecureAggregationException>(() => client.AdvertiseKeys());
    }

    /// <summary>A full round up to the unmask step, where client 1 is handed over.</summary>
    private static SecAggClient AdvanceToUnmask(SimulatedRound round)
    {
        foreach (var p in round.Setup.Parties)
        {
            round.Server.ReceiveKeys(round.Clients[p].AdvertiseKeys());
        }

        round.Server.CloseKeyAdvertisement();
        foreach (var p in round.Setup.Parties)
        {
            round.Server.ReceiveSharedKeys(round.Clients[p].ShareKeys(round.Server.DirectoryFor(p)));
        }

        round.Server.CloseShareKeys();
        foreach (var p in round.Setup.Parties)
        {
            round.Server.ReceiveMaskedInput(round.Clients[p].MaskInput(round.Server.InboxFor(p), round.Inputs[p]));
        }

        round.Server.CloseMaskedInput();
        return round.Clients[1];
    }
}
