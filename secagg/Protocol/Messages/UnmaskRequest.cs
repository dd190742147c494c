namespace Federated.SecureAggregation.Protocol.Messages;

/// <summary>
/// Phase 3, server → one node in U3: reveal your shares of the self-mask seed b of each party in
/// <paramref name="Survivors"/> (they sent a masked input; the recipient is one of them) and of the mask private key of
/// each party in <paramref name="Dropped"/> (they shared keys but sent no masked input). Both lists are restricted to the
/// recipient's neighbourhood; a party in both would let the server unmask that party's input, so a node refuses that.
/// </summary>
public sealed record UnmaskRequest(int Recipient, IReadOnlyList<int> Survivors, IReadOnlyList<int> Dropped);
