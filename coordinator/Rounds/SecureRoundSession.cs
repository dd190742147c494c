using Federated.Model.Updates;
using Federated.SecureAggregation.Protocol;

namespace Federated.Coordinator.Rounds;

/// <summary>
/// The secure-aggregation side of one open round: the <see cref="SecAggServer"/> of the protocol, which node is which
/// party, and which parties the current phase still waits for. Guarded by its run's state lock, like its round.
/// </summary>
/// <remarks>
/// Party ids are 1..n in the order of the round's selection. What the coordinator keeps of a node's masked input is
/// nothing: the server adds it to its running sum at once (<see cref="SecAggServer.ReceiveMaskedInput"/>). The state is in
/// memory only: after a restart the round is reopened from scratch (fresh keys, every phase again).
/// </remarks>
internal sealed class SecureRoundSession
{
    private readonly Dictionary<string, int> _partyOf;
    private readonly string[] _nodeOf;
    private readonly Dictionary<int, SecAggServerPhase> _lastSent = [];

    public SecureRoundSession(SecAggRoundSetup setup, IReadOnlyList<string> selected, WeightedUpdateVector codec, double inputNorm, long maxWeight, TimeSpan phaseTimeout)
    {
        Setup = setup;
        Server = new SecAggServer(setup);
        Codec = codec;
        InputNorm = inputNorm;
        MaxWeight = maxWeight;
        PhaseTimeout = phaseTimeout;
        _partyOf = new Dictionary<string, int>(StringComparer.Ordinal);
        _nodeOf = new string[selected.Count + 1];
        for (var i = 0; i < selected.Count; i++)
        {
            _partyOf[selected[i]] = i + 1;
            _nodeOf[i + 1] = selected[i];
        }

        Expected = [.. setup.Parties];
    }

    public SecAggRoundSetup Setup { get; }

    public SecAggServer Server { get; }

    /// <summary>How the round's vectors map to tensors and weights.</summary>
    public WeightedUpdateVector Codec { get; }

    /// <summary>The quantiser's clip norm: √(S² + groups).</summary>
    public double InputNorm { get; }

    /// <summary>W.</summary>
    public long MaxWeight { get; }

    /// <summary>How long the phases after the first wait for their messages.</summary>
    public TimeSpan PhaseTimeout { get; }

    /// <summary>The parties the current phase waits for: all of them in phase 0, then U1, U2, U3.</summary>
    public SortedSet<int> Expected { get; private set; }

    /// <summary>The parties whose message of the current phase arrived.</summary>
    public SortedSet<int> Answered { get; private set; } = [];

    /// <summary>Whether every party the phase waits for has answered.</summary>
    public bool PhaseComplete => Expected.IsSubsetOf(Answered);

    /// <summary>The party of <paramref name="nodeId"/>, or null when the node was not selected.</summary>
    public int? PartyOf(string nodeId) => _partyOf.TryGetValue(nodeId, out var party) ? party : null;

    /// <summary>The node of party <paramref name="party"/>.</summary>
    public string NodeOf(int party) => _nodeOf[party];

    /// <summary>The node's part in the round, as its assignment carries it.</summary>
    public SecAggAssignment AssignmentFor(int party) => new(Setup, party, InputNorm, MaxWeight);

    /// <summary>Whether the party already sent its message of <paramref name="phase"/> or of a later phase.</summary>
    public bool HasSent(int party, SecAggServerPhase phase) => _lastSent.TryGetValue(party, out var last) && last >= phase;

    /// <summary>Records that the party's message of the current phase was received.</summary>
    public void MarkSent(int party, SecAggServerPhase phase)
    {
        _lastSent[party] = phase;
        Answered.Add(party);
    }

    /// <summary>A node that left or was revoked: the phase no longer waits for it.</summary>
    public void Release(int party) => Expected.Remove(party);

    /// <summary>Starts waiting for the next phase's messages from <paramref name="parties"/>.</summary>
    public void NextPhase(IEnumerable<int> parties)
    {
        Expected = [.. parties];
        Answered = [];
    }
}
