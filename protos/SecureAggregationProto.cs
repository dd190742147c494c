using Federated.SecureAggregation.Crypto;
using Federated.SecureAggregation.Protocol;
using Google.Protobuf;
using Lib = Federated.SecureAggregation.Protocol.Messages;

namespace Federated.Protos;

/// <summary>
/// The one mapping between the secure-aggregation library's records and their wire forms in federation.proto, used by
/// the coordinator's service and by the node's gRPC connection. Reading a wire message checks nothing of the protocol
/// (the library and the engine do); a party id beyond int's range reads as -1, which no round has.
/// </summary>
public static class SecureAggregationProto
{
    /// <summary>The wire form of a node's part in a round.</summary>
    public static V1.SecureAggregationSetup ToProto(this SecAggAssignment assignment)
    {
        ArgumentNullException.ThrowIfNull(assignment);
        var setup = assignment.Setup;
        return new V1.SecureAggregationSetup
        {
            Party = (uint)assignment.Party,
            Parties = (uint)setup.Parties.Count,
            Threshold = (uint)setup.Threshold,
            Neighbours = (uint)setup.Neighbours,
            GraphSeed = ByteString.CopyFrom(setup.GraphSeed ?? []),
            VectorLength = (uint)setup.VectorLength,
            InputNorm = assignment.InputNorm,
            MaxWeight = assignment.MaxWeight,
        };
    }

    /// <summary>A node's part in round <paramref name="round"/> of <paramref name="runId"/> from its wire form (parties 1..n).</summary>
    /// <exception cref="ArgumentException">The setup is out of the bounds federation.proto states.</exception>
    public static SecAggAssignment FromProto(V1.SecureAggregationSetup setup, string runId, long round)
    {
        ArgumentNullException.ThrowIfNull(setup);
        if (setup.Parties is < 2 or > 255)
        {
            throw new ArgumentException($"a secure-aggregation round has 2 to 255 parties, not {setup.Parties}", nameof(setup));
        }

        var assignment = new SecAggAssignment(
            new SecAggRoundSetup(new SecAggContext(runId, round), [.. Enumerable.Range(1, (int)setup.Parties)], Int(setup.Threshold), Int(setup.VectorLength), Int(setup.Neighbours), setup.GraphSeed.Length == 0 ? null : setup.GraphSeed.ToByteArray()),
            Int(setup.Party),
            setup.InputNorm,
            setup.MaxWeight);
        assignment.Validate();
        return assignment;
    }

    /// <summary>Phase 0 on the wire.</summary>
    public static V1.KeyAdvertisement ToProto(this Lib.KeyAdvertisement keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        return new V1.KeyAdvertisement { EncryptionPublicKey = ByteString.CopyFrom(keys.EncryptionPublicKey), MaskPublicKey = ByteString.CopyFrom(keys.MaskPublicKey) };
    }

    /// <summary>Phase 0 from the wire, for <paramref name="party"/>.</summary>
    public static Lib.KeyAdvertisement FromProto(V1.KeyAdvertisement keys, uint party)
    {
        ArgumentNullException.ThrowIfNull(keys);
        return new Lib.KeyAdvertisement(Int(party), keys.EncryptionPublicKey.ToByteArray(), keys.MaskPublicKey.ToByteArray());
    }

    /// <summary>Sealed bundles on the wire (phase 1's message, or a share inbox).</summary>
    public static V1.SharedKeys ToProto(IEnumerable<Lib.EncryptedShare> shares)
    {
        ArgumentNullException.ThrowIfNull(shares);
        var message = new V1.SharedKeys();
        message.Shares.AddRange(shares.Select(s => new V1.SealedShare { Sender = (uint)s.Sender, Recipient = (uint)s.Recipient, Ciphertext = ByteString.CopyFrom(s.Ciphertext) }));
        return message;
    }

    /// <summary>Sealed bundles from the wire.</summary>
    public static Lib.EncryptedShare[] FromProto(V1.SharedKeys shares)
    {
        ArgumentNullException.ThrowIfNull(shares);
        return [.. shares.Shares.Select(s => new Lib.EncryptedShare(Int(s.Sender), Int(s.Recipient), s.Ciphertext.ToByteArray()))];
    }

    /// <summary>Phase 3 on the wire.</summary>
    public static V1.UnmaskShares ToProto(this Lib.UnmaskResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        var message = new V1.UnmaskShares();
        message.SelfMaskShares.AddRange(response.SelfMaskShares.Select(ToProto));
        message.MaskKeyShares.AddRange(response.MaskKeyShares.Select(ToProto));
        return message;
    }

    /// <summary>Phase 3 from the wire, for <paramref name="party"/>.</summary>
    public static Lib.UnmaskResponse FromProto(V1.UnmaskShares shares, uint party)
    {
        ArgumentNullException.ThrowIfNull(shares);
        return new Lib.UnmaskResponse(Int(party), [.. shares.SelfMaskShares.Select(FromProto)], [.. shares.MaskKeyShares.Select(FromProto)]);
    }

    /// <summary>What a node must do next, on the wire.</summary>
    public static V1.SecureAggregationPhase ToProto(this SecAggPhaseMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var phase = new V1.SecureAggregationPhase();
        switch (message.Kind)
        {
            case SecAggPhaseKind.KeyDirectory:
                var directory = new V1.KeyDirectory();
                directory.Keys.AddRange(message.Directory!.Keys.Select(k => new V1.PartyKeys { Party = (uint)k.Party, Keys = k.ToProto() }));
                phase.KeyDirectory = directory;
                break;
            case SecAggPhaseKind.ShareInbox:
                phase.ShareInbox = ToProto(message.Inbox!.Shares);
                break;
            case SecAggPhaseKind.UnmaskRequest:
                var request = new V1.UnmaskRequest();
                request.Survivors.AddRange(message.Request!.Survivors.Select(p => (uint)p));
                request.Dropped.AddRange(message.Request.Dropped.Select(p => (uint)p));
                phase.UnmaskRequest = request;
                break;
            case SecAggPhaseKind.Done:
                phase.Done = new V1.Empty();
                break;
            case SecAggPhaseKind.Failed:
                phase.Failed = message.Reason ?? "";
                break;
            default:
                phase.Wait = new V1.Empty();
                break;
        }

        return phase;
    }

    /// <summary>What a node must do next, from the wire, for <paramref name="party"/>.</summary>
    /// <exception cref="ArgumentException">The reply carries none of the kinds this build knows.</exception>
    public static SecAggPhaseMessage FromProto(V1.SecureAggregationPhase phase, int party)
    {
        ArgumentNullException.ThrowIfNull(phase);
        return phase.NextCase switch
        {
            V1.SecureAggregationPhase.NextOneofCase.Wait => SecAggPhaseMessage.Waiting,
            V1.SecureAggregationPhase.NextOneofCase.KeyDirectory => new SecAggPhaseMessage(
                SecAggPhaseKind.KeyDirectory, Directory: new Lib.KeyDirectory(party, [.. phase.KeyDirectory.Keys.Select(k => FromProto(k.Keys ?? new V1.KeyAdvertisement(), k.Party))])),
            V1.SecureAggregationPhase.NextOneofCase.ShareInbox => new SecAggPhaseMessage(SecAggPhaseKind.ShareInbox, Inbox: new Lib.ShareInbox(party, FromProto(phase.ShareInbox))),
            V1.SecureAggregationPhase.NextOneofCase.UnmaskRequest => new SecAggPhaseMessage(
                SecAggPhaseKind.UnmaskRequest, Request: new Lib.UnmaskRequest(party, [.. phase.UnmaskRequest.Survivors.Select(Int)], [.. phase.UnmaskRequest.Dropped.Select(Int)])),
            V1.SecureAggregationPhase.NextOneofCase.Done => SecAggPhaseMessage.Finished,
            V1.SecureAggregationPhase.NextOneofCase.Failed => SecAggPhaseMessage.FailedBecause(phase.Failed),
            _ => throw new ArgumentException("the secure-aggregation reply carries no next step this node knows", nameof(phase)),
        };
    }

    private static V1.RevealedShare ToProto(Lib.RevealedShare share) => new() { Owner = (uint)share.Owner, Share = ByteString.CopyFrom(share.Share) };

    private static Lib.RevealedShare FromProto(V1.RevealedShare share) => new(Int(share.Owner), share.Share.ToByteArray());

    private static int Int(uint value) => value <= int.MaxValue ? (int)value : -1;
}
