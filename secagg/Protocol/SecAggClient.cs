using System.Security.Cryptography;
using Federated.SecureAggregation.Crypto;
using Federated.SecureAggregation.Protocol.Messages;
using Federated.SecureAggregation.Sharing;

namespace Federated.SecureAggregation.Protocol;

/// <summary>
/// One party's side of one secure-aggregation round (Bonawitz et al., CCS 2017, §4, semi-honest variant; with a
/// neighbour graph, Bell et al., CCS 2020): advertise keys → share keys → masked input → unmasking, each step once and
/// in order. Every message from the server is checked before it is used, and a request that would reveal both
/// secrets of one party (its self-mask seed and its mask key) is refused.
/// </summary>
/// <remarks>
/// <para>
/// Not thread-safe; one instance per party per round; dispose it to drop the keys. Its secrets: two P-256 private keys
/// (c_u for share encryption, s_u for masks) and the 32-byte self-mask seed b_u, all from the CSPRNG.
/// </para>
/// <para>
/// Threat model: a semi-honest server (it follows the protocol but reads everything it relays) colluding with fewer
/// than t parties learns only the sum over the survivors. What one party checks covers only its own view: a server that
/// lies, telling some parties that v dropped and others that v survived, could collect t shares of each of v's secrets;
/// the consistency round with signed survivor lists of Bonawitz et al.'s actively secure variant, which stops that, is
/// not implemented here.
/// </para>
/// </remarks>
public sealed class SecAggClient : IDisposable
{
    /// <summary>Bytes of a sealed share bundle: nonce + (b share + s-key share) + tag.</summary>
    public const int SealedBundleLength = ShareCipher.NonceLength + (2 * ShamirSecretSharing.SecretLength) + ShareCipher.TagLength;

    private readonly SecAggRoundSetup _setup;
    private readonly NeighbourGraph _graph;
    private readonly RandomSource _random;
    private readonly ECDiffieHellman _encryptionKey;
    private readonly ECDiffieHellman _maskKey;
    private readonly byte[] _selfMaskSeed = new byte[SeedDerivation.SeedLength];
    private KeyAdvertisement? _advertised;
    private Dictionary<int, KeyAdvertisement> _neighbourKeys = [];
    private (byte[] SelfMask, byte[] MaskKey)? _ownShares;
    private Dictionary<int, byte[]> _inbox = [];
    private Step _next = Step.AdvertiseKeys;

    /// <summary>A party with fresh secrets from the operating system's CSPRNG.</summary>
    public SecAggClient(SecAggRoundSetup setup, int party)
        : this(setup, party, RandomSource.System)
    {
    }

    /// <summary>A party whose secrets come from <paramref name="random"/> (tests and repeatable simulations only).</summary>
    public SecAggClient(SecAggRoundSetup setup, int party, RandomSource random)
    {
        ArgumentNullException.ThrowIfNull(setup);
        ArgumentNullException.ThrowIfNull(random);
        setup.Validate();
        if (!setup.Parties.Contains(party))
        {
            throw new ArgumentException($"party {party} is not among the round's parties", nameof(party));
        }

        _setup = setup;
        _graph = NeighbourGraph.Create(setup);
        _random = random;
        Party = party;
        _encryptionKey = random.CreateKeyPair();
        _maskKey = random.CreateKeyPair();
        random.Fill(_selfMaskSeed);
    }

    private enum Step
    {
        AdvertiseKeys,
        ShareKeys,
        MaskInput,
        Unmask,
        Done,
    }

    /// <summary>This party's id.</summary>
    public int Party { get; }

    /// <summary>Phase 0: this party's two public keys.</summary>
    public KeyAdvertisement AdvertiseKeys()
    {
        Expect(Step.AdvertiseKeys);
        _advertised = new KeyAdvertisement(Party, KeyAgreement.ExportPublicKey(_encryptionKey), KeyAgreement.ExportPublicKey(_maskKey));
        _next = Step.ShareKeys;
        return _advertised;
    }

    /// <summary>
    /// Phase 1: t-of-(neighbours in U1 + self) shares of b_u and of s_u^SK, one sealed bundle per neighbour in
    /// <paramref name="directory"/>.
    /// </summary>
    /// <exception cref="SecureAggregationException">The directory is malformed (unknown or duplicate party, a key that is not a point, a repeated key, this party's keys altered).</exception>
    /// <exception cref="SecureAggregationAbortedException">Fewer than t parties of this neighbourhood advertised.</exception>
    public SharedKeys ShareKeys(KeyDirectory directory)
    {
        Expect(Step.ShareKeys);
        ArgumentNullException.ThrowIfNull(directory);
        CheckRecipient(directory.Recipient, "key directory");
        _neighbourKeys = ValidateDirectory(directory);
        var holders = _neighbourKeys.Keys.Append(Party).Order().ToArray();
        if (holders.Length < _setup.Threshold)
        {
            throw new SecureAggregationAbortedException($"party {Party}: only {holders.Length} parties of its neighbourhood advertised keys, fewer than the threshold {_setup.Threshold}");
        }

        var maskScalar = KeyAgreement.ExportPrivateKey(_maskKey);
        try
        {
            var selfMaskShares = ShamirSecretSharing.Split(_selfMaskSeed, _setup.Threshold, holders, _random);
            var maskKeyShares = ShamirSecretSharing.Split(maskScalar, _setup.Threshold, holders, _random);
            var sealedShares = new List<EncryptedShare>(holders.Length - 1);
            var bundle = new byte[2 * ShamirSecretSharing.SecretLength];
            for (var h = 0; h < holders.Length; h++)
            {
                if (holders[h] == Party)
                {
                    _ownShares = (selfMaskShares[h].Value, maskKeyShares[h].Value);
                    continue;
                }

                selfMaskShares[h].Value.CopyTo(bundle, 0);
                maskKeyShares[h].Value.CopyTo(bundle, ShamirSecretSharing.SecretLength);
                var key = EncryptionKeyWith(holders[h]);
                sealedShares.Add(new EncryptedShare(Party, holders[h], ShareCipher.Seal(key, bundle, ShareCipher.AssociatedData(_setup.Context, Party, holders[h]), _random)));
                CryptographicOperations.ZeroMemory(key);
            }

            CryptographicOperations.ZeroMemory(bundle);
            _next = Step.MaskInput;
            return new SharedKeys(Party, sealedShares);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(maskScalar);
        }
    }

    /// <summary>
    /// Phase 2: y_u = x_u + PRG(b_u) + Σ_{v&lt;u} PRG(s_uv) − Σ_{v&gt;u} PRG(s_uv) mod 2^32 over the senders of
    /// <paramref name="inbox"/> (this party's neighbours in U2). <paramref name="input"/> is the quantised update x_u.
    /// </summary>
    /// <exception cref="SecureAggregationException">The inbox or the input is malformed.</exception>
    /// <exception cref="SecureAggregationAbortedException">Fewer than t parties of this neighbourhood shared keys.</exception>
    public MaskedInput MaskInput(ShareInbox inbox, ReadOnlySpan<uint> input)
    {
        Expect(Step.MaskInput);
        ArgumentNullException.ThrowIfNull(inbox);
        CheckRecipient(inbox.Recipient, "share inbox");
        if (input.Length != _setup.VectorLength)
        {
            throw new SecureAggregationException($"party {Party}: the input has {input.Length} elements, the round {_setup.VectorLength}");
        }

        var received = new Dictionary<int, byte[]>();
        foreach (var share in inbox.Shares ?? throw new SecureAggregationException("the share inbox has no share list"))
        {
            if (share is null || share.Recipient != Party || !_neighbourKeys.ContainsKey(share.Sender))
            {
                throw new SecureAggregationException($"party {Party}: the inbox holds a bundle from {share?.Sender} to {share?.Recipient}, not from a neighbour that advertised keys to this party");
            }

            if (share.Ciphertext?.Length != SealedBundleLength)
            {
                throw new SecureAggregationException($"party {Party}: the bundle from {share.Sender} has {share.Ciphertext?.Length ?? 0} bytes, not {SealedBundleLength}");
            }

            if (!received.TryAdd(share.Sender, share.Ciphertext))
            {
                throw new SecureAggregationException($"party {Party}: the inbox holds two bundles from party {share.Sender}");
            }
        }

        if (received.Count + 1 < _setup.Threshold)
        {
            throw new SecureAggregationAbortedException($"party {Party}: only {received.Count + 1} parties of its neighbourhood shared keys, fewer than the threshold {_setup.Threshold}");
        }

        _inbox = received;
        var masked = input.ToArray();
        MaskExpansion.Add(_selfMaskSeed, masked);
        foreach (var other in received.Keys)
        {
            var seed = SeedDerivation.PairwiseMaskSeed(KeyAgreement.SharedSecret(_maskKey, _neighbourKeys[other].MaskPublicKey), _setup.Context, Party, other);
            if (other < Party)
            {
                MaskExpansion.Add(seed, masked);
            }
            else
            {
                MaskExpansion.Subtract(seed, masked);
            }

            CryptographicOperations.ZeroMemory(seed);
        }

        _next = Step.Unmask;
        return new MaskedInput(Party, masked);
    }

    /// <summary>
    /// Phase 3, once: this party's shares of b_v for every survivor v and of s_v^SK for every dropped v of the request.
    /// </summary>
    /// <exception cref="SecureAggregationException">
    /// The request names a party in both lists (it would unmask that party's input), names this party as dropped, names
    /// a party that did not share keys with this party, or leaves one out; or a bundle fails authentication.
    /// </exception>
    /// <exception cref="SecureAggregationAbortedException">Fewer than t survivors in this neighbourhood.</exception>
    public UnmaskResponse Unmask(UnmaskRequest request)
    {
        Expect(Step.Unmask);
        ArgumentNullException.ThrowIfNull(request);
        CheckRecipient(request.Recipient, "unmask request");
        // From here on, no second request is answered, whatever happens: two different answers could reveal both secrets.
        _next = Step.Done;
        var survivors = DistinctOrThrow(request.Survivors, "survivors");
        var dropped = DistinctOrThrow(request.Dropped, "dropped parties");
        var both = survivors.Intersect(dropped).Order().ToArray();
        if (both.Length > 0)
        {
            throw new SecureAggregationException($"party {Party} refuses: the request asks for both the self-mask and the mask-key shares of party {both[0]}, which would reveal its input");
        }

        if (dropped.Contains(Party) || !survivors.Contains(Party))
        {
            throw new SecureAggregationException($"party {Party} refuses: the request does not list it among the survivors, yet it sent its masked input");
        }

        var expected = _inbox.Keys.Append(Party).ToHashSet();
        if (!expected.SetEquals(survivors.Union(dropped)))
        {
            throw new SecureAggregationException($"party {Party} refuses: survivors and dropped parties must together be exactly the {expected.Count} parties that shared keys with it");
        }

        if (survivors.Count < _setup.Threshold)
        {
            throw new SecureAggregationAbortedException($"party {Party} refuses: only {survivors.Count} survivors in its neighbourhood, fewer than the threshold {_setup.Threshold}");
        }

        var selfMaskShares = new List<RevealedShare>(survivors.Count);
        var maskKeyShares = new List<RevealedShare>(dropped.Count);
        foreach (var owner in survivors.Order())
        {
            selfMaskShares.Add(new RevealedShare(owner, OpenBundle(owner).SelfMask));
        }

        foreach (var owner in dropped.Order())
        {
            maskKeyShares.Add(new RevealedShare(owner, OpenBundle(owner).MaskKey));
        }

        return new UnmaskResponse(Party, selfMaskShares, maskKeyShares);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _encryptionKey.Dispose();
        _maskKey.Dispose();
        CryptographicOperations.ZeroMemory(_selfMaskSeed);
    }

    private (byte[] SelfMask, byte[] MaskKey) OpenBundle(int owner)
    {
        if (owner == Party)
        {
            return _ownShares!.Value;
        }

        var key = EncryptionKeyWith(owner);
        try
        {
            var plain = ShareCipher.Open(key, _inbox[owner], ShareCipher.AssociatedData(_setup.Context, owner, Party));
            return (plain[..ShamirSecretSharing.SecretLength], plain[ShamirSecretSharing.SecretLength..]);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    private byte[] EncryptionKeyWith(int other)
    {
        var secret = KeyAgreement.SharedSecret(_encryptionKey, _neighbourKeys[other].EncryptionPublicKey);
        try
        {
            return SeedDerivation.ShareEncryptionKey(secret, _setup.Context, Party, other);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }
    }

    private Dictionary<int, KeyAdvertisement> ValidateDirectory(KeyDirectory directory)
    {
        var neighbours = new Dictionary<int, KeyAdvertisement>();
        var seenKeys = new HashSet<string>(StringComparer.Ordinal);
        var sawSelf = false;
        foreach (var entry in directory.Keys ?? throw new SecureAggregationException("the key directory has no key list"))
        {
            if (entry is null || entry.EncryptionPublicKey is null || entry.MaskPublicKey is null)
            {
                throw new SecureAggregationException("the key directory has an incomplete entry");
            }

            if (entry.Party == Party)
            {
                if (sawSelf || !entry.EncryptionPublicKey.AsSpan().SequenceEqual(_advertised!.EncryptionPublicKey) || !entry.MaskPublicKey.AsSpan().SequenceEqual(_advertised.MaskPublicKey))
                {
                    throw new SecureAggregationException($"party {Party} refuses: the key directory does not carry its own keys as advertised");
                }

                sawSelf = true;
            }
            else if (!_graph.AreNeighbours(Party, entry.Party))
            {
                throw new SecureAggregationException($"party {Party}: the key directory lists party {entry.Party}, which is not its neighbour in this round");
            }
            else if (!neighbours.TryAdd(entry.Party, entry))
            {
                throw new SecureAggregationException($"party {Party}: the key directory lists party {entry.Party} twice");
            }

            try
            {
                KeyAgreement.ValidatePublicKey(entry.EncryptionPublicKey);
                KeyAgreement.ValidatePublicKey(entry.MaskPublicKey);
            }
            catch (ArgumentException e)
            {
                throw new SecureAggregationException($"party {Party}: a public key of party {entry.Party} is not a P-256 point", e);
            }

            // A key seen twice would let the server pose as one party to another (Bonawitz et al. §4: keys must differ).
            if (!seenKeys.Add(Convert.ToHexString(entry.EncryptionPublicKey)) || !seenKeys.Add(Convert.ToHexString(entry.MaskPublicKey)))
            {
                throw new SecureAggregationException($"party {Party}: the key directory repeats a public key (party {entry.Party})");
            }
        }

        if (!sawSelf)
        {
            throw new SecureAggregationException($"party {Party}: the key directory leaves out this party's own keys");
        }

        return neighbours;
    }

    private HashSet<int> DistinctOrThrow(IReadOnlyList<int>? parties, string what)
    {
        var set = new HashSet<int>();
        foreach (var party in parties ?? throw new SecureAggregationException($"the unmask request has no list of {what}"))
        {
            if (!set.Add(party))
            {
                throw new SecureAggregationException($"party {Party} refuses: the unmask request lists party {party} twice among the {what}");
            }
        }

        return set;
    }

    private void CheckRecipient(int recipient, string what)
    {
        if (recipient != Party)
        {
            throw new SecureAggregationException($"party {Party} received a {what} addressed to party {recipient}");
        }
    }

    private void Expect(Step step)
    {
        if (_next != step)
        {
            throw new SecureAggregationException($"party {Party} is at step {_next}, not {step}: each step runs once, in order");
        }
    }
}
