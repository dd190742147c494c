using Federated.SecureAggregation.Crypto;
using Federated.SecureAggregation.Protocol.Messages;

namespace Federated.SecureAggregation.Protocol;

/// <summary>
/// The server's side of one secure-aggregation round (Bonawitz et al., CCS 2017, §4; Bell et al., CCS 2020 with a
/// neighbour graph): it collects each phase's messages, routes keys and sealed shares, checks at the close of every phase
/// that at least t parties (per neighbourhood) remain, and finally reconstructs the self-mask seeds of the survivors and
/// the mask keys of the parties that dropped after sharing, removes their masks and returns Σ x_u over the survivors.
/// </summary>
/// <remarks>
/// <para>
/// The server learns the sum and who took part, never one input: it asks each node for self-mask shares of survivors
/// only and for mask-key shares of dropped parties only, the two sets being disjoint by construction. A phase's party set
/// is the previous one's minus who did not answer before the caller closed the phase (deadlines are the caller's).
/// </para>
/// <para>
/// Every message is checked before it changes anything: the phase, the party (known, in the previous phase's set, not
/// answered yet), sizes and indices. A violation throws <see cref="SecureAggregationException"/> and leaves the round as
/// it was; too few parties throws <see cref="SecureAggregationAbortedException"/> and ends the round. Not thread-safe.
/// </para>
/// </remarks>
public sealed class SecAggServer
{
    private readonly SecAggRoundSetup _setup;
    private readonly NeighbourGraph _graph;
    private readonly SortedDictionary<int, KeyAdvertisement> _keys = [];
    private readonly SortedDictionary<int, SharedKeys> _sharedKeys = [];
    private readonly SortedSet<int> _maskedInputs = [];
    private readonly SortedDictionary<int, UnmaskResponse> _responses = [];
    private readonly uint[] _sum;

    /// <summary>A server for the round <paramref name="setup"/> (validated here).</summary>
    public SecAggServer(SecAggRoundSetup setup)
    {
        ArgumentNullException.ThrowIfNull(setup);
        setup.Validate();
        _setup = setup;
        _graph = NeighbourGraph.Create(setup);
        _sum = new uint[setup.VectorLength];
    }

    /// <summary>The phase whose messages are accepted now.</summary>
    public SecAggServerPhase Phase { get; private set; } = SecAggServerPhase.AdvertiseKeys;

    /// <summary>U1 after phase 0, then U2, U3 (the parties still in the round), ascending.</summary>
    public IReadOnlyList<int> Remaining => Phase switch
    {
        SecAggServerPhase.AdvertiseKeys => [.. _keys.Keys],
        SecAggServerPhase.ShareKeys => [.. _keys.Keys],
        SecAggServerPhase.MaskedInput => [.. _sharedKeys.Keys],
        _ => [.. _maskedInputs],
    };

    /// <summary>Phase 0: one party's public keys.</summary>
    public void ReceiveKeys(KeyAdvertisement advertisement)
    {
        ArgumentNullException.ThrowIfNull(advertisement);
        Expect(SecAggServerPhase.AdvertiseKeys, advertisement.Party);
        if (!_setup.Parties.Contains(advertisement.Party))
        {
            throw new SecureAggregationException($"party {advertisement.Party} is not among the round's parties");
        }

        if (_keys.ContainsKey(advertisement.Party))
        {
            throw new SecureAggregationException($"party {advertisement.Party} already advertised keys this round");
        }

        try
        {
            KeyAgreement.ValidatePublicKey(advertisement.EncryptionPublicKey);
            KeyAgreement.ValidatePublicKey(advertisement.MaskPublicKey);
        }
        catch (ArgumentException e)
        {
            throw new SecureAggregationException($"party {advertisement.Party} advertised a key that is not a P-256 point", e);
        }

        _keys.Add(advertisement.Party, advertisement);
    }

    /// <summary>Ends phase 0: U1 = the parties that advertised. Aborts when some party of U1 has fewer than t of its neighbourhood in U1.</summary>
    public void CloseKeyAdvertisement()
    {
        Expect(SecAggServerPhase.AdvertiseKeys, party: null);
        RequireNeighbourhoods(_keys.Keys, "advertised keys");
        Phase = SecAggServerPhase.ShareKeys;
    }

    /// <summary>Phase 0 → 1: the keys <paramref name="party"/> (in U1) needs: its own and its neighbours' in U1.</summary>
    public KeyDirectory DirectoryFor(int party)
    {
        Expect(SecAggServerPhase.ShareKeys, party);
        RequireMember(_keys.ContainsKey(party), party, "advertised keys");
        return new KeyDirectory(party, [.. _keys.Values.Where(k => k.Party == party || _graph.AreNeighbours(party, k.Party))]);
    }

    /// <summary>Phase 1: one party's sealed bundles, exactly one for each of its neighbours in U1.</summary>
    public void ReceiveSharedKeys(SharedKeys message)
    {
        ArgumentNullException.ThrowIfNull(message);
        Expect(SecAggServerPhase.ShareKeys, message.Party);
        RequireMember(_keys.ContainsKey(message.Party), message.Party, "advertised keys");
        if (_sharedKeys.ContainsKey(message.Party))
        {
            throw new SecureAggregationException($"party {message.Party} already shared keys this round");
        }

        var expected = NeighboursInU1(message.Party);
        var recipients = new HashSet<int>();
        foreach (var share in message.Shares ?? throw new SecureAggregationException($"party {message.Party} sent no share list"))
        {
            if (share is null || share.Sender != message.Party || !expected.Contains(share.Recipient) || !recipients.Add(share.Recipient))
            {
                throw new SecureAggregationException($"party {message.Party} sent a bundle from {share?.Sender} to {share?.Recipient}: each bundle goes from the sender to one distinct neighbour that advertised keys");
            }

            if (share.Ciphertext?.Length != SecAggClient.SealedBundleLength)
            {
                throw new SecureAggregationException($"party {message.Party}'s bundle for {share.Recipient} has {share.Ciphertext?.Length ?? 0} bytes, not {SecAggClient.SealedBundleLength}");
            }
        }

        if (recipients.Count != expected.Count)
        {
            throw new SecureAggregationException($"party {message.Party} sent bundles for {recipients.Count} of its {expected.Count} neighbours that advertised keys");
        }

        _sharedKeys.Add(message.Party, message);
    }

    /// <summary>Ends phase 1: U2 = the parties that shared. Aborts when some party of U2 has fewer than t of its neighbourhood in U2.</summary>
    public void CloseShareKeys()
    {
        Expect(SecAggServerPhase.ShareKeys, party: null);
        RequireNeighbourhoods(_sharedKeys.Keys, "shared keys");
        Phase = SecAggServerPhase.MaskedInput;
    }

    /// <summary>Phase 1 → 2: the bundles addressed to <paramref name="party"/> (in U2) by its neighbours in U2.</summary>
    public ShareInbox InboxFor(int party)
    {
        Expect(SecAggServerPhase.MaskedInput, party);
        RequireMember(_sharedKeys.ContainsKey(party), party, "shared keys");
        var shares = _sharedKeys.Values.Where(s => s.Party != party).SelectMany(s => s.Shares).Where(s => s.Recipient == party).ToArray();
        return new ShareInbox(party, shares);
    }

    /// <summary>Phase 2: one party's masked input, added to the running sum at once (the input itself is not kept).</summary>
    public void ReceiveMaskedInput(MaskedInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        Expect(SecAggServerPhase.MaskedInput, input.Party);
        RequireMember(_sharedKeys.ContainsKey(input.Party), input.Party, "shared keys");
        if (_maskedInputs.Contains(input.Party))
        {
            throw new SecureAggregationException($"party {input.Party} already sent its masked input this round");
        }

        if (input.Values?.Length != _setup.VectorLength)
        {
            throw new SecureAggregationException($"party {input.Party}'s masked input has {input.Values?.Length ?? 0} elements, not {_setup.VectorLength}");
        }

        RingArithmetic.AddInPlace(_sum, input.Values);
        _maskedInputs.Add(input.Party);
    }

    /// <summary>
    /// Ends phase 2: U3 = the parties whose masked input arrived. Aborts, before anybody is asked for a share, when a
    /// survivor or a dropped party would have fewer than t surviving holders of its shares.
    /// </summary>
    public void CloseMaskedInput()
    {
        Expect(SecAggServerPhase.MaskedInput, party: null);
        foreach (var party in _sharedKeys.Keys)
        {
            var holders = HoldersInU2(party).Count(_maskedInputs.Contains);
            if (holders < _setup.Threshold)
            {
                Abort($"party {party}'s secrets have {holders} surviving holders after the masked inputs, fewer than the threshold {_setup.Threshold}");
            }
        }

        Phase = SecAggServerPhase.Unmasking;
    }

    /// <summary>Phase 2 → 3: for <paramref name="party"/> (in U3), its neighbourhood's survivors (U3) and dropped parties (U2 \ U3), disjoint.</summary>
    public UnmaskRequest RequestFor(int party)
    {
        Expect(SecAggServerPhase.Unmasking, party);
        RequireMember(_maskedInputs.Contains(party), party, "sent masked input");
        var neighbourhood = HoldersInU2(party);
        return new UnmaskRequest(party, [.. neighbourhood.Where(_maskedInputs.Contains)], [.. neighbourhood.Where(p => !_maskedInputs.Contains(p))]);
    }

    /// <summary>Phase 3: one party's shares, exactly those its request asked for.</summary>
    public void ReceiveUnmaskResponse(UnmaskResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        Expect(SecAggServerPhase.Unmasking, response.Party);
        RequireMember(_maskedInputs.Contains(response.Party), response.Party, "sent masked input");
        if (_responses.ContainsKey(response.Party))
        {
            throw new SecureAggregationException($"party {response.Party} already answered the unmask request");
        }

        var request = RequestFor(response.Party);
        CheckOwners(response.Party, response.SelfMaskShares, request.Survivors, "self-mask");
        CheckOwners(response.Party, response.MaskKeyShares, request.Dropped, "mask-key");
        _responses.Add(response.Party, response);
    }

    /// <summary>
    /// Ends the round: reconstructs b_u of every survivor and s_v^SK of every dropped party from the responses, removes
    /// their masks and returns Σ x_u mod 2^32 over U3.
    /// </summary>
    /// <exception cref="SecureAggregationAbortedException">Some secret has fewer than t shares among the responses.</exception>
    /// <exception cref="SecureAggregationException">A reconstructed mask key does not match the key its owner advertised (a corrupt share).</exception>
    public SecAggResult Finish()
    {
        Expect(SecAggServerPhase.Unmasking, party: null);
        var survivors = _maskedInputs.ToArray();
        var dropped = _sharedKeys.Keys.Where(p => !_maskedInputs.Contains(p)).ToArray();
        try
        {
            MaskRemoval.RemoveSelfMasks(_sum, survivors, _responses.Values, _setup.Threshold);
            MaskRemoval.RemovePairwiseMasks(_sum, dropped, survivors, _responses.Values, _keys, _graph, _setup);
        }
        catch (SecureAggregationAbortedException)
        {
            Phase = SecAggServerPhase.Aborted;
            throw;
        }

        Phase = SecAggServerPhase.Finished;
        return new SecAggResult(_sum, survivors);
    }

    private static void CheckOwners(int party, IReadOnlyList<RevealedShare>? shares, IReadOnlyList<int> expected, string what)
    {
        if (shares is null || shares.Count != expected.Count || !shares.Select(s => s?.Owner ?? -1).Order().SequenceEqual(expected.Order()))
        {
            throw new SecureAggregationException($"party {party} answered with {what} shares of other parties than it was asked for");
        }

        if (shares.Any(s => s.Share?.Length != SeedDerivation.SeedLength))
        {
            throw new SecureAggregationException($"party {party} answered with a {what} share that is not {SeedDerivation.SeedLength} bytes");
        }
    }

    /// <summary>The neighbours of <paramref name="party"/> that advertised keys: the holders of its shares besides itself.</summary>
    private HashSet<int> NeighboursInU1(int party) => [.. _graph.NeighboursOf(party).Where(_keys.ContainsKey)];

    /// <summary>The party and its neighbours in U2, ascending: who masks with it and holds its shares.</summary>
    private List<int> HoldersInU2(int party) => [.. _graph.NeighboursOf(party).Where(_sharedKeys.ContainsKey).Append(party).Order()];

    private void RequireNeighbourhoods(IEnumerable<int> present, string what)
    {
        var set = present.ToHashSet();
        if (set.Count < _setup.Threshold)
        {
            Abort($"only {set.Count} parties {what}, fewer than the threshold {_setup.Threshold}");
        }

        foreach (var party in set)
        {
            var count = _graph.NeighboursOf(party).Count(set.Contains) + 1;
            if (count < _setup.Threshold)
            {
                Abort($"only {count} parties of party {party}'s neighbourhood {what}, fewer than the threshold {_setup.Threshold}");
            }
        }
    }

    private void Abort(string reason)
    {
        Phase = SecAggServerPhase.Aborted;
        throw new SecureAggregationAbortedException($"secure aggregation of round {_setup.Context.Round} aborted: {reason}");
    }

    private static void RequireMember(bool member, int party, string previous)
    {
        if (!member)
        {
            throw new SecureAggregationException($"party {party} is not among the parties that {previous}, so it has no part in this phase");
        }
    }

    private void Expect(SecAggServerPhase phase, int? party)
    {
        if (Phase != phase)
        {
            var who = party is { } p ? $"party {p}'s message" : "the call";
            throw new SecureAggregationException($"{who} belongs to phase {phase}, but the round is at {Phase}");
        }
    }
}
