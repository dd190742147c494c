namespace Federated.SecureAggregation.Protocol.Messages;

/// <summary>
/// Phase 1, server → one node: the bundles addressed to <paramref name="Recipient"/> by its neighbours in U2 (those
/// that shared in time). The senders are the neighbours the recipient masks with.
/// </summary>
public sealed record ShareInbox(int Recipient, IReadOnlyList<EncryptedShare> Shares);
